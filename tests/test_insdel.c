/* Insertion / Deletion on synthetic "models" with known answers: the
 * probability is the visible fraction of a 4x4 region R of an 8x8 image.
 * Also mean / standard error and a smoke test of curves.svg. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/curves_svg.h"
#include "eval/insdel.h"
#include "eval/stats.h"

#include "check.h"


#define NEAR(a, b) (fabs((a) - (b)) <= 1e-12)

enum { C = 3, H = 8, W = 8, N = H * W, R0 = 2, R1 = 6 }; /* R: rows, cols [2, 6) */

static const float mean3[C] = {0.485f, 0.456f, 0.406f};
static const float std3[C] = {0.229f, 0.224f, 0.225f};

static int in_region(int p)
{
    int y = p / W, x = p % W;
    return y >= R0 && y < R1 && x >= R0 && x < R1;
}

/* The "model": what it saw, checked element by element. */
typedef struct region_model {
    float norm[C * N]; /* the normalized image */
    float black[C];    /* (0 - mean) / std */
    int calls, items, max_b, bad_values;
} region_model;

static float image01[C * N];

static void region_model_init(region_model *m)
{
    memset(m, 0, sizeof *m);
    for (int c = 0; c < C; c++) {
        m->black[c] = (0.0f - mean3[c]) / std3[c];
        for (int p = 0; p < N; p++) {
            image01[c * N + p] = 0.25f + 0.5f * (float)((p * 7 + c * 3) % 11) / 10.0f;
            m->norm[c * N + p] = (image01[c * N + p] - mean3[c]) / std3[c];
        }
    }
}

/* 1 if pixel p of x (C, H, W) is the image's own, 0 if black; counts mixtures. */
static int pixel_visible(region_model *m, const float *x, int p)
{
    int seen = 0, black = 0;
    for (int c = 0; c < C; c++) {
        float v = x[c * N + p];
        seen += fabsf(v - m->norm[c * N + p]) <= 1e-6f;
        black += fabsf(v - m->black[c]) <= 1e-6f;
    }
    if (seen + black != C || (seen != 0 && seen != C))
        m->bad_values++;
    return seen == C;
}

static lrp_status region_prob(void *ctx, const float *batch, int b, int label, float *prob,
                              lrp_error *err)
{
    region_model *m = ctx;
    m->calls++;
    m->items += b;
    m->max_b = b > m->max_b ? b : m->max_b;
    for (int i = 0; i < b; i++) {
        int visible = 0;
        for (int p = 0; p < N; p++)
            if (pixel_visible(m, batch + (size_t)i * C * N, p) && in_region(p))
                visible++;
        prob[i] = (float)visible / 16.0f;
    }
    return label == 3 ? LRP_OK : LRP_ERR_ARG;
}

/* map: R first in row-major order, then the rest; reversed: the opposite. */
static void ranked_map(float *map, int reversed)
{
    int rank = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int p = 0; p < N; p++)
            if (in_region(p) == (pass == 0)) {
                map[p] = (float)(N - rank);
                rank++;
            }
    if (reversed)
        for (int p = 0; p < N; p++)
            map[p] = -map[p];
}

static int descending(const void *pa, const void *pb)
{
    float a = *(const float *)pa, b = *(const float *)pb;
    return (a < b) - (a > b);
}

/* How many inputs each curve needs: the distinct values among the map's
 * values at ranks min(step (k+1), N-1). */
static int distinct_thresholds(const float *map, int step)
{
    float sorted[N];
    memcpy(sorted, map, sizeof sorted);
    qsort(sorted, N, sizeof *sorted, descending);
    int count = 0;
    float last = 0.0f;
    for (int k = 0; k < (N + step - 1) / step; k++) {
        float tau = sorted[step * (k + 1) < N - 1 ? step * (k + 1) : N - 1];
        count += count == 0 || tau != last;
        last = tau;
    }
    return count;
}

static lrp_insdel_result run(const float *map, int step, int max_batch, region_model *m)
{
    lrp_insdel_config cfg = {step, max_batch};
    lrp_insdel_result res;
    lrp_error err = {0};
    region_model_init(m);
    lrp_status st = lrp_insdel_run(image01, C, H, W, mean3, std3, map, 3, &cfg, region_prob, m,
                                   &res, &err);
    CHECK(st == LRP_OK, "insdel: %s", err.message);
    CHECK(m->bad_values == 0, "%d values are neither the image's nor black", m->bad_values);
    int want = 2 * distinct_thresholds(map, step);
    CHECK(m->items == want && res.forwards == want,
          "%d inputs (%d reported) for %d points, want %d", m->items, res.forwards, res.n,
          want);
    return res;
}

static void check_curve(const double *got, const double *want, int n, const char *what)
{
    for (int k = 0; k < n; k++)
        CHECK(NEAR(got[k], want[k]), "%s[%d] = %.17g, want %.17g", what, k, got[k], want[k]);
}

/* Step 16 by hand: ranks 16, 32, 48, 63 keep 17, 33, 49, 64 pixels. */
static void test_step16(void)
{
    float map[N];
    region_model m;
    ranked_map(map, 0);
    lrp_insdel_result r = run(map, 16, 4, &m);
    CHECK(r.n == 4, "n = %d", r.n);
    check_curve(r.ins, (double[]){1, 1, 1, 1}, 4, "perfect ins");
    check_curve(r.del, (double[]){0, 0, 0, 0}, 4, "perfect del");
    CHECK(NEAR(r.ins_auc, 1.0) && NEAR(r.del_auc, 0.0), "perfect AUCs %g %g", r.ins_auc,
          r.del_auc);
    lrp_insdel_result_free(&r);

    ranked_map(map, 1);
    r = run(map, 16, 4, &m);
    check_curve(r.ins, (double[]){0, 0, 1.0 / 16, 1}, 4, "reversed ins");
    check_curve(r.del, (double[]){1, 1, 15.0 / 16, 0}, 4, "reversed del");
    CHECK(NEAR(r.ins_auc, 3.0 / 16) && NEAR(r.del_auc, 13.0 / 16), "reversed AUCs %.17g %.17g",
          r.ins_auc, r.del_auc);
    lrp_insdel_result_free(&r);
}

/* Step 5 by hand: 13 points keeping 6, 11, 16, ..., 61, 64 pixels;
 * Insertion y = 6/16, 11/16, 1 x 11, AUC = (193/16 - 3/16 - 8/16) / 12. */
static void test_step5(void)
{
    float map[N];
    region_model m;
    ranked_map(map, 0);
    lrp_insdel_result r = run(map, 5, 3, &m);
    CHECK(r.n == 13, "n = %d", r.n);
    CHECK(NEAR(r.ins_auc, 182.0 / 192), "ins AUC %.17g", r.ins_auc);
    CHECK(NEAR(r.del_auc, 10.0 / 192), "del AUC %.17g", r.del_auc);
    CHECK(NEAR(r.ins[1], 11.0 / 16) && NEAR(r.del[1], 5.0 / 16), "point 1: %g %g", r.ins[1],
          r.del[1]);
    lrp_insdel_result_free(&r);
}

/* Closed form for every step: point k keeps m_k = min(s (k+1), N-1) + 1
 * pixels; R shows min(m_k, 16) of them (perfect) or max(m_k - 48, 0) (reversed). */
static double expected_auc(int s, int reversed, int deletion)
{
    int n = (N + s - 1) / s;
    double sum = 0.0, first = 0.0, last = 0.0;
    for (int k = 0; k < n; k++) {
        int mk = (s * (k + 1) < N - 1 ? s * (k + 1) : N - 1) + 1;
        int shown = reversed ? (mk > 48 ? mk - 48 : 0) : (mk < 16 ? mk : 16);
        double y = (deletion ? 16 - shown : shown) / 16.0;
        sum += y;
        first = k == 0 ? y : first;
        last = y;
    }
    return n == 1 ? first : (sum - first / 2 - last / 2) / (n - 1);
}

static void test_all_steps(void)
{
    float map[N];
    region_model m;
    for (int reversed = 0; reversed < 2; reversed++) {
        ranked_map(map, reversed);
        for (int s = 1; s <= N + 6; s++) {
            lrp_insdel_result r = run(map, s, 5, &m);
            CHECK(r.n == (N + s - 1) / s, "step %d: n = %d", s, r.n);
            CHECK(NEAR(r.ins_auc, expected_auc(s, reversed, 0)), "step %d rev %d: ins %.17g", s,
                  reversed, r.ins_auc);
            CHECK(NEAR(r.del_auc, expected_auc(s, reversed, 1)), "step %d rev %d: del %.17g", s,
                  reversed, r.del_auc);
            lrp_insdel_result_free(&r);
        }
    }
}

/* Ties are included: a constant map keeps every pixel from k = 0; half of R
 * tied with 8 pixels outside it shows exactly that half until rank 16. */
static void test_ties(void)
{
    float map[N];
    region_model m;
    for (int p = 0; p < N; p++)
        map[p] = 0.5f;
    lrp_insdel_result r = run(map, 4, 7, &m);
    for (int k = 0; k < r.n; k++)
        CHECK(r.ins[k] == 1.0 && r.del[k] == 0.0, "constant map, point %d: %g %g", k, r.ins[k],
              r.del[k]);
    lrp_insdel_result_free(&r);

    for (int p = 0; p < N; p++) /* R's top half and 8 pixels of row 0: 1; R's rest: 0.5 */
        map[p] = in_region(p) ? (p / W < R0 + 2 ? 1.0f : 0.5f) : (p < 8 ? 1.0f : 0.0f);
    r = run(map, 4, 7, &m);
    CHECK(r.n == 16, "n = %d", r.n);
    for (int k = 0; k < r.n; k++) {
        double want = k < 3 ? 0.5 : 1.0;
        CHECK(r.ins[k] == want && r.del[k] == 1.0 - want, "tied map, point %d: %g %g", k,
              r.ins[k], r.del[k]);
    }
    lrp_insdel_result_free(&r);
}

/* A map of 8 levels (as +hq leaves it) at step 1: 64 points but 8 distinct
 * thresholds, so 16 inputs instead of 128; every point still has the
 * closed form's value: R holds levels 7 and 6 (8 pixels each), the rest
 * levels 5..0, and point k's threshold is the value at rank k + 1: level 7
 * while k < 7 (R shows its 8 pixels of level 7), then lower (all 16). */
static void levels_map(float *map)
{
    int outside = 0;
    for (int p = 0; p < N; p++) {
        int r = in_region(p) ? (p / W - R0) * 4 + (p % W - R0) : -1;
        map[p] = r >= 0 ? (r < 8 ? 7.0f : 6.0f) : (float)(5 - outside++ * 6 / 48);
    }
}

static void test_levels(void)
{
    float map[N];
    region_model m;
    levels_map(map);
    lrp_insdel_result r = run(map, 1, 16, &m);
    CHECK(r.n == 64 && r.forwards == 2 * 8, "%d points, %d inputs, want 64 and 16", r.n,
          r.forwards);
    for (int k = 0; k < r.n; k++) {
        int shown = k + 1 < 8 ? 8 : 16;
        CHECK(r.ins[k] == shown / 16.0 && r.del[k] == 1.0 - shown / 16.0,
              "levels, point %d: %g %g, want %g", k, r.ins[k], r.del[k], shown / 16.0);
    }
    CHECK(m.calls == 1 && m.max_b == 16, "levels: %d calls of %d", m.calls, m.max_b);
    lrp_insdel_result_free(&r);
}

/* Three maps at once: the curves of three single runs, bit for bit, from
 * one sequence of inputs of which only the last batch is short, on one
 * worker or two. */
static void test_maps(void)
{
    float maps[3][N];
    const float *of[3] = {maps[0], maps[1], maps[2]};
    ranked_map(maps[0], 0);
    ranked_map(maps[1], 1);
    levels_map(maps[2]);
    region_model m;
    lrp_insdel_result one[3], all[3];
    int inputs = 0;
    for (int k = 0; k < 3; k++) {
        one[k] = run(maps[k], 2, 7, &m);
        inputs += one[k].forwards;
    }
    lrp_insdel_config cfg = {2, 7};
    lrp_error err = {0};
    region_model_init(&m);
    void *ctx[1] = {&m};
    lrp_status st = lrp_insdel_run_maps(image01, C, H, W, mean3, std3, of, 3, 3, &cfg,
                                        region_prob, ctx, 1, all, &err);
    CHECK(st == LRP_OK, "insdel maps: %s", err.message);
    CHECK(m.items == inputs && m.calls == (inputs + 6) / 7 && m.bad_values == 0,
          "maps: %d inputs in %d calls, want %d in %d", m.items, m.calls, inputs,
          (inputs + 6) / 7);
    /* two workers, each with its model: the same bits, every batch run once */
    region_model m2[2];
    void *ctx2[2] = {&m2[0], &m2[1]};
    lrp_insdel_result two[3];
    region_model_init(&m2[0]);
    region_model_init(&m2[1]);
    st = lrp_insdel_run_maps(image01, C, H, W, mean3, std3, of, 3, 3, &cfg, region_prob, ctx2,
                             2, two, &err);
    CHECK(st == LRP_OK && m2[0].items + m2[1].items == inputs &&
              m2[0].calls + m2[1].calls == (inputs + 6) / 7,
          "2 workers: %d + %d inputs, want %d (%s)", m2[0].items, m2[1].items, inputs,
          err.message);
    for (int k = 0; st == LRP_OK && k < 3; k++) {
        CHECK(!memcmp(two[k].ins, one[k].ins, sizeof *two[k].ins * (size_t)two[k].n) &&
                  !memcmp(two[k].del, one[k].del, sizeof *two[k].del * (size_t)two[k].n),
              "2 workers, map %d: curves differ", k);
        lrp_insdel_result_free(&two[k]);
    }
    for (int k = 0; st == LRP_OK && k < 3; k++) {
        CHECK(all[k].n == one[k].n && all[k].forwards == one[k].forwards &&
                  !memcmp(all[k].ins, one[k].ins, sizeof *all[k].ins * (size_t)all[k].n) &&
                  !memcmp(all[k].del, one[k].del, sizeof *all[k].del * (size_t)all[k].n) &&
                  all[k].ins_auc == one[k].ins_auc && all[k].del_auc == one[k].del_auc,
              "map %d: curves differ from its own run", k);
        lrp_insdel_result_free(&all[k]);
    }
    for (int k = 0; k < 3; k++)
        lrp_insdel_result_free(&one[k]);
    /* a failing forward pass leaves every result empty */
    region_model_init(&m);
    st = lrp_insdel_run_maps(image01, C, H, W, mean3, std3, of, 3, 2, &cfg, region_prob, ctx, 1,
                             all, &err);
    CHECK(st == LRP_ERR_ARG && all[0].ins == NULL && all[2].del == NULL && all[1].n == 0,
          "maps, fn failure: %d", st);
    st = lrp_insdel_run_maps(image01, C, H, W, mean3, std3, of, 3, 2, &cfg, region_prob, ctx2,
                             2, all, &err);
    CHECK(st == LRP_ERR_ARG && all[0].ins == NULL && all[2].del == NULL,
          "maps, 2 workers, fn failure: %d", st);
}

/* One input per call or seven or all at once: the same numbers. */
static void test_batches(void)
{
    float map[N];
    region_model m;
    for (int p = 0; p < N; p++)
        map[p] = (float)((p * 37) % 13); /* many ties */
    int inputs = 2 * distinct_thresholds(map, 3);
    lrp_insdel_result a = run(map, 3, 1, &m);
    CHECK(m.max_b == 1 && m.calls == inputs, "batch 1: %d calls, max %d", m.calls, m.max_b);
    lrp_insdel_result b = run(map, 3, 7, &m);
    CHECK(m.max_b == 7 && m.calls == (inputs + 6) / 7, "batch 7: %d calls", m.calls);
    lrp_insdel_result c = run(map, 3, 1000, &m);
    CHECK(m.calls == 1 && m.max_b == inputs, "batch 1000: %d calls of %d", m.calls, m.max_b);
    CHECK(a.n == b.n && a.n == c.n, "n %d %d %d", a.n, b.n, c.n);
    CHECK(!memcmp(a.ins, b.ins, sizeof *a.ins * (size_t)a.n) &&
              !memcmp(a.del, b.del, sizeof *a.del * (size_t)a.n) &&
              !memcmp(a.ins, c.ins, sizeof *a.ins * (size_t)a.n) &&
              !memcmp(a.del, c.del, sizeof *a.del * (size_t)a.n),
          "curves differ by batch size");
    CHECK(a.ins_auc == b.ins_auc && a.del_auc == c.del_auc, "AUCs differ by batch size");
    lrp_insdel_result_free(&a);
    lrp_insdel_result_free(&b);
    lrp_insdel_result_free(&c);
}

static lrp_status count_prob(void *ctx, const float *batch, int b, int label, float *prob,
                             lrp_error *err)
{
    for (int i = 0; i < b; i++)
        prob[i] = 0.5f;
    return LRP_OK;
}

/* step 0 = ceil(N / 100); cfg NULL = the defaults. */
static void test_default_step(void)
{
    static const struct {
        int h, w, n;
    } cases[] = {
        {8, 8, 64}, {10, 15, 75}, {7, 7, 49}, {224, 224, 100}, {30, 40, 100}, {101, 1, 51},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t hw = (size_t)cases[i].h * (size_t)cases[i].w;
        float *img = calloc(hw, sizeof *img), *map = calloc(hw, sizeof *map);
        float m0 = 0.5f, s0 = 0.25f;
        lrp_insdel_config cfg = {0, 64};
        lrp_insdel_result r;
        lrp_error err = {0};
        lrp_status st = lrp_insdel_run(img, 1, cases[i].h, cases[i].w, &m0, &s0, map, 0,
                                       i % 2 ? NULL : &cfg, count_prob, NULL, &r, &err);
        CHECK(st == LRP_OK && r.n == cases[i].n, "%dx%d: n = %d, want %d (%s)", cases[i].h,
              cases[i].w, r.n, cases[i].n, err.message);
        CHECK(NEAR(r.ins_auc, 0.5) && NEAR(r.del_auc, 0.5), "flat AUC %g", r.ins_auc);
        lrp_insdel_result_free(&r);
        free(img);
        free(map);
    }
}

static void test_errors(void)
{
    float map[N], bad_std[C] = {0.2f, 0.0f, 0.2f};
    region_model m;
    lrp_insdel_result r;
    lrp_error err = {0};
    ranked_map(map, 0);
    region_model_init(&m);
    lrp_insdel_config cfg = {4, 2};
    /* region_prob fails for labels other than 3: the status comes back, res is empty */
    lrp_status st = lrp_insdel_run(image01, C, H, W, mean3, std3, map, 2, &cfg, region_prob, &m,
                                   &r, &err);
    CHECK(st == LRP_ERR_ARG && r.ins == NULL && r.n == 0, "fn failure: %d", st);
    st = lrp_insdel_run(image01, C, H, W, mean3, bad_std, map, 3, &cfg, region_prob, &m, &r,
                        &err);
    CHECK(st == LRP_ERR_ARG && strstr(err.message, "channel 1"), "std 0: %s", err.message);
    lrp_insdel_config bad_cfgs[] = {{-1, 2}, {4, 0}};
    for (int i = 0; i < 2; i++) {
        st = lrp_insdel_run(image01, C, H, W, mean3, std3, map, 3, &bad_cfgs[i], region_prob,
                            &m, &r, &err);
        CHECK(st == LRP_ERR_ARG, "bad config %d accepted", i);
    }
    map[5] = NAN;
    st = lrp_insdel_run(image01, C, H, W, mean3, std3, map, 3, &cfg, region_prob, &m, &r, &err);
    CHECK(st == LRP_ERR_ARG && strstr(err.message, "pixel 5"), "NaN map: %s", err.message);
    lrp_insdel_result_free(NULL);
    CHECK(lrp_insdel_auc((double[]){0.25}, 1) == 0.25, "auc of one point");
    CHECK(NEAR(lrp_insdel_auc((double[]){0, 1, 0.5}, 3), (1.5 - 0.25) / 2), "auc of three");
}

static void test_stats(void)
{
    double mean, se;
    lrp_mean_se((double[]){1, 2, 3, 4}, 4, &mean, &se);
    CHECK(NEAR(mean, 2.5) && NEAR(se, sqrt(5.0 / 3) / 2), "mean %g se %g", mean, se);
    lrp_mean_se((double[]){1e9 + 1, 1e9 + 3}, 2, &mean, &se);
    CHECK(NEAR(mean, 1e9 + 2) && NEAR(se, 1.0), "offset: mean %.17g se %.17g", mean, se);
    lrp_mean_se((double[]){7}, 1, &mean, &se);
    CHECK(mean == 7 && se == 0, "one value: %g %g", mean, se);
    lrp_mean_se(NULL, 0, &mean, &se);
    CHECK(mean == 0 && se == 0, "no values: %g %g", mean, se);
}

static char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc((size_t)n + 1, 1);
    *size = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static void test_svg(const char *dir)
{
    double ins_a[5] = {0.1, 0.5, 0.8, 0.9, 0.9}, del_a[5] = {0.7, 0.2, 0.05, 0.02, 0.02};
    double ins_b[3] = {0.2, 0.4, 0.9}, del_b[4] = {0.8, 0.6, 0.3, 0.02}, one[1] = {0.9};
    lrp_curve_method methods[] = {
        {"otsuki2024+hq", ins_a, 5, del_a, 5, 0.6625, 0.1325},
        {"grad-cam & <friends>", ins_b, 3, del_b, 4, 0.475, 0.52},
        {"random", one, 1, one, 1, 0.9, 0.9},
    };
    lrp_curve_set set = {"ResNet \"test\": insertion & deletion", 3, methods};
    char path[4096];
    snprintf(path, sizeof path, "%s/test-insdel-curves.svg", dir);
    lrp_error err = {0};
    CHECK(lrp_curves_svg_write(path, &set, &err) == LRP_OK, "svg: %s", err.message);
    size_t n1 = 0, n2 = 0;
    char *a = read_all(path, &n1);
    CHECK(a && !strncmp(a, "<svg", 4), "svg: does not start with <svg");
    if (a) {
        CHECK(strstr(a, "otsuki2024+hq 0.662") || strstr(a, "otsuki2024+hq 0.663"),
              "label of method 0 missing");
        CHECK(strstr(a, "grad-cam &amp; &lt;friends&gt; 0.475"), "escaped name missing");
        CHECK(strstr(a, "random 0.900"), "label of method 2 missing");
        CHECK(!strstr(a, "nan") && !strstr(a, "inf"), "svg has a nan");
        CHECK(strstr(a, "</svg>\n") && !strstr(a, "<script"), "svg is not closed");
    }
    CHECK(lrp_curves_svg_write(path, &set, &err) == LRP_OK, "svg again: %s", err.message);
    char *b = read_all(path, &n2);
    CHECK(a && b && n1 == n2 && !memcmp(a, b, n1), "svg bytes differ between runs");
    free(a);
    free(b);
    del_b[2] = NAN;
    CHECK(lrp_curves_svg_write(path, &set, &err) == LRP_ERR_ARG &&
              strstr(err.message, "grad-cam"),
          "NaN curve accepted: %s", err.message);
}

/* Patches of 2x2, one patch per step, by hand: each of R's four patches
 * holds one pixel of 100 + i and three of 0, the other twelve patches are
 * flat at 50 - j. Pooled, R's patches rank first; point k keeps patches of
 * rank <= k + 1 (k + 2 patches, all 16 at k = 15), so Insertion sees 8, 12,
 * then 16 of R's 16 pixels: y = 1/2, 3/4, 1 x 14, AUC = (15.25 - 0.75) / 15;
 * Deletion y = 1/2, 1/4, 0 x 14, AUC = (0.75 - 0.25) / 15. Without the
 * pooling, R's zeros would rank last. */
static void test_patches(void)
{
    float map[N];
    int j = 0;
    for (int by = 0; by < H; by += 2)
        for (int bx = 0; bx < W; bx += 2) {
            bool region = in_region(by * W + bx);
            for (int y = by; y < by + 2; y++)
                for (int x = bx; x < bx + 2; x++)
                    map[y * W + x] = region ? (y == by && x == bx ? 100.0f + (float)j : 0.0f)
                                            : 50.0f - (float)j;
            j++;
        }
    lrp_insdel_patch_max(map, H, W, 2);
    CHECK(map[2 * W + 2] == map[3 * W + 3] && map[3 * W + 3] >= 100.0f,
          "R's first patch pooled to %g and %g", map[2 * W + 2], map[3 * W + 3]);
    region_model m;
    lrp_insdel_result r = run(map, 1 * 2 * 2, 5, &m);
    double ins[16], del[16];
    for (int k = 0; k < 16; k++) {
        ins[k] = k == 0 ? 0.5 : k == 1 ? 0.75 : 1.0;
        del[k] = k == 0 ? 0.5 : k == 1 ? 0.25 : 0.0;
    }
    CHECK(r.n == 16, "n = %d, want 16 (one patch a step)", r.n);
    check_curve(r.ins, ins, r.n < 16 ? r.n : 16, "patch ins");
    check_curve(r.del, del, r.n < 16 ? r.n : 16, "patch del");
    CHECK(NEAR(r.ins_auc, 14.5 / 15) && NEAR(r.del_auc, 0.5 / 15), "patch AUCs %.17g %.17g",
          r.ins_auc, r.del_auc);
    lrp_insdel_result_free(&r);
}

int main(int argc, char **argv)
{
    test_patches();
    test_step16();
    test_step5();
    test_all_steps();
    test_ties();
    test_levels();
    test_maps();
    test_batches();
    test_default_step();
    test_errors();
    test_stats();
    test_svg(argc > 1 ? argv[1] : ".");
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
