/* NaN and infinity are refused where inputs enter, naming the first one
 * by its index; finite inputs, zero-sized ones included, pass; an array of
 * many blocks (the check scans 256 at a time) names the first bad one in
 * a later block, and the largest finite values pass. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "util/finite.h"

int main(void)
{
    float x[2 * 3 * 4] = {0};
    const int64_t dims[3] = {2, 3, 4};
    lrp_error err = {0};
    CHECK(lrp_check_finite(x, 3, dims, "x", &err) == LRP_OK, "zeros refused: %s", err.message);
    x[1 * 12 + 2 * 4 + 3] = NAN; /* (1, 2, 3), the last element */
    CHECK(lrp_check_finite(x, 3, dims, "x.npy", &err) == LRP_ERR_ARG, "NaN accepted");
    CHECK(strstr(err.message, "x.npy: element (1, 2, 3) is NaN"), "message: %s", err.message);
    x[0 * 12 + 1 * 4 + 0] = -INFINITY; /* (0, 1, 0) comes first */
    CHECK(lrp_check_finite(x, 3, dims, "in", &err) == LRP_ERR_ARG, "-inf accepted");
    CHECK(strstr(err.message, "element (0, 1, 0) is -inf"), "message: %s", err.message);
    x[0] = INFINITY;
    lrp_check_finite(x, 3, dims, "in", &err);
    CHECK(strstr(err.message, "element (0, 0, 0) is +inf"), "message: %s", err.message);
    const int64_t empty[2] = {0, 5};
    CHECK(lrp_check_finite(x, 2, empty, "in", NULL) == LRP_OK, "an empty array refused");
    static float big[1000];
    const int64_t n[1] = {1000};
    big[255] = FLT_MAX;
    big[256] = -FLT_MAX;
    big[999] = FLT_MIN / 4; /* subnormal */
    CHECK(lrp_check_finite(big, 1, n, "big", &err) == LRP_OK, "finite refused: %s",
          err.message);
    big[700] = NAN;
    lrp_check_finite(big, 1, n, "big", &err);
    CHECK(strstr(err.message, "element (700) is NaN"), "message: %s", err.message);
    big[513] = INFINITY;
    lrp_check_finite(big, 1, n, "big", &err);
    CHECK(strstr(err.message, "element (513) is +inf"), "message: %s", err.message);
    big[999] = -INFINITY;
    big[513] = big[700] = 0.0f;
    lrp_check_finite(big, 1, n, "big", &err);
    CHECK(strstr(err.message, "element (999) is -inf"), "message: %s", err.message);
    return check_finish();
}
