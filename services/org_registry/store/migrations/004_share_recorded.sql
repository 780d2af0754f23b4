-- Whether a split named the share of each part (a split that named none stores equal parts):
-- staffing divides the base-year staff of such a split by other means and says so.
ALTER TABLE lineage ADD COLUMN share_recorded boolean NOT NULL DEFAULT true;
