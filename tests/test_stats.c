/* Tests for src/eval/stats.c: mean ± standard error and the paired
 * comparison (difference and sign test) on cases computed by hand. */
#include <math.h>

#include "check.h"
#include "eval/stats.h"

static void test_paired(void)
{
    /* d = a - b = 0.1, -0.05, 0.2, 0, 0.3: sum 0.55, mean 0.11; squared
     * deviations 0.0001, 0.0256, 0.0081, 0.0121, 0.0361 sum to 0.082, so
     * sd = sqrt(0.082 / 4) = 0.143178..., se = sd / sqrt(5) = 0.0640312...
     * Wins 3, losses 1, one tie: m = 4, P(X <= 1) = (1 + 4) / 16, p = 10/16. */
    const double a[] = {0.5, 0.4, 0.9, 0.3, 0.8}, b[] = {0.4, 0.45, 0.7, 0.3, 0.5};
    lrp_paired r = lrp_paired_compare(a, b, 5);
    CHECK(fabs(r.mean - 0.11) < 1e-12, "mean %.17g, want 0.11", r.mean);
    CHECK(fabs(r.se - sqrt(0.082 / 4) / sqrt(5.0)) < 1e-12, "se %.17g, want 0.0640312", r.se);
    CHECK(r.wins == 3 && r.losses == 1 && r.ties == 1, "wins %d losses %d ties %d", r.wins,
          r.losses, r.ties);
    CHECK(fabs(r.sign_p - 0.625) < 1e-12, "sign test p %.17g, want 10/16", r.sign_p);
}

static void test_sign_test_tails(void)
{
    /* 10 wins, no loss: p = 2 / 2^10; all ties: p = 1; 3 wins 3 losses: min(1, 2 * 42/64). */
    double a[10], b[10] = {0};
    for (int i = 0; i < 10; i++)
        a[i] = 1.0 + i;
    lrp_paired r = lrp_paired_compare(a, b, 10);
    CHECK(fabs(r.sign_p - 2.0 / 1024.0) < 1e-15, "10-0: p %.17g, want 2/1024", r.sign_p);
    CHECK(fabs(r.mean - 5.5) < 1e-12, "10-0: mean %g, want 5.5", r.mean);
    r = lrp_paired_compare(b, b, 10);
    CHECK(r.sign_p == 1.0 && r.ties == 10 && r.mean == 0.0 && r.se == 0.0,
          "all ties: p %g ties %d mean %g se %g", r.sign_p, r.ties, r.mean, r.se);
    const double c[] = {1, 1, 1, 0, 0, 0}, e[] = {0, 0, 0, 1, 1, 1};
    r = lrp_paired_compare(c, e, 6);
    CHECK(r.sign_p == 1.0, "3-3: p %.17g, want 1 (2 * 42/64 capped)", r.sign_p);
    r = lrp_paired_compare(a, b, 1);
    CHECK(fabs(r.sign_p - 1.0) < 1e-15 && r.se == 0.0, "one image: p %g (2 * 1/2), se %g",
          r.sign_p, r.se);
}

int main(void)
{
    test_paired();
    test_sign_test_tails();
    return check_finish();
}
