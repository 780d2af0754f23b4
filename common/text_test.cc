#include "common/text.h"

#include <gtest/gtest.h>

#include <string>

#include "common/status.h"

namespace tinhgon {
namespace {

TEST(FoldVietnameseTest, DropsDiacriticsAndCase) {
  EXPECT_EQ(FoldVietnamese("Đà Lạt"), "da lat");
  EXPECT_EQ(FoldVietnamese("ĐÀ LẠT"), "da lat");
  EXPECT_EQ(FoldVietnamese("Sở Nội vụ"), "so noi vu");
  EXPECT_EQ(FoldVietnamese("Đạ Tẻh"), "da teh");
  EXPECT_EQ(FoldVietnamese("Ủy ban nhân dân tỉnh Lâm Đồng"), "uy ban nhan dan tinh lam dong");
  EXPECT_EQ(FoldVietnamese("Thể thao và Du lịch"), "the thao va du lich");
}

TEST(FoldVietnameseTest, HandlesDecomposedTextAndSpaces) {
  // "Lạt" written with a combining dot below (U+0323) after 'a'.
  EXPECT_EQ(FoldVietnamese("  L\x61\xCC\xA3t   x\t"), "lat x");
  EXPECT_EQ(FoldVietnamese(""), "");
}

TEST(FoldVietnameseTest, SurvivesMalformedUtf8) {
  EXPECT_EQ(FoldVietnamese("a\xff\xfe" "b"), "ab");
  EXPECT_FALSE(IsValidUtf8("a\xff"));
  EXPECT_FALSE(IsValidUtf8("\xe1\xba"));        // truncated
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));    // surrogate
  EXPECT_TRUE(IsValidUtf8("Lâm Đồng"));
}

}  // namespace
TEST(ValidateTextTest, MultilineTextKeepsItsLayoutButNoOtherControlCharacters) {
  EXPECT_TRUE(ValidateText("STT\tNội dung\r\nSở Nội vụ", "text", 100, true, true).ok());
  EXPECT_EQ(ErrorField(ValidateText("a\tb", "name", 100, true)), "name");  // one line: no tab
  EXPECT_EQ(ErrorField(ValidateText("a\nb", "name", 100, true)), "name");
  EXPECT_EQ(ErrorField(ValidateText(std::string("a\0b", 3), "text", 100, true, true)), "text");
  EXPECT_EQ(ErrorField(ValidateText("a\x1b[31m", "text", 100, true, true)), "text");
  EXPECT_EQ(ErrorField(ValidateText("\xff", "text", 100, true, true)), "text");
  EXPECT_EQ(ErrorField(ValidateText("   ", "text", 100, true, true)), "text");  // required
  EXPECT_EQ(ErrorField(ValidateText("abcdef", "text", 5, false, true)), "text");
}

}  // namespace tinhgon
