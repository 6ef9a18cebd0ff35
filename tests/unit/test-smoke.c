#include "unit.h"
TEST(smoke_true) { ASSERT_EQ_INT(1 + 1, 2); }
