/* Integrated Gradients, SmoothGrad, Occlusion, RISE and Score-CAM from batched passes
 * (method §10), and the method names beside the rule-table presets. */
#include "explain/multipass.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/bilinear.h"
#include "explain/channel_map.h"
#include "rules/presets.h"
#include "util/error.h"

static const lrp_multipass methods[] = {
    {"integrated-gradients", "IntegratedGradients", LRP_MP_INTEGRATED_GRADIENTS, true, true,
     false},
    {"smoothgrad", "SmoothGrad", LRP_MP_SMOOTHGRAD, true, false, false},
    {"occlusion", "Occlusion", LRP_MP_OCCLUSION, false, false, false},
    {"rise", NULL, LRP_MP_RISE, false, false, false},
    {"score-cam", NULL, LRP_MP_SCORE_CAM, false, false, true},
};

#define N_METHODS (sizeof methods / sizeof *methods)

const lrp_multipass *lrp_multipass_find(const char *name)
{
    for (size_t i = 0; name && i < N_METHODS; i++)
        if (strcmp(methods[i].name, name) == 0 ||
            (methods[i].zennit && strcmp(methods[i].zennit, name) == 0))
            return &methods[i];
    return NULL;
}

const char *lrp_method_lookup(const char *name)
{
    const char *preset = lrp_preset_lookup(name);
    const lrp_multipass *m = preset ? NULL : lrp_multipass_find(name);
    return preset ? preset : m ? m->name : NULL;
}

size_t lrp_method_list(char *buf, size_t size)
{
    size_t len = lrp_preset_list(buf, size);
    for (size_t i = 0; i < N_METHODS; i++) {
        const lrp_multipass *m = &methods[i];
        int n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,
                         m->zennit ? ", %s (%s)" : ", %s", m->name, m->zennit);
        len += n > 0 ? (size_t)n : 0;
    }
    return len;
}

void lrp_method_params_init(lrp_method_params *p)
{
    *p = (lrp_method_params){.ig_steps = 32,
                             .ig_baseline = LRP_IG_BLACK,
                             .sg_samples = 20,
                             .sg_noise = 0.1,
                             .rise_masks = 4000,
                             .rise_cells = 7,
                             .rise_p = 0.5,
                             .occ_window = 8,
                             .occ_stride = 8,
                             .seed = 0};
}

/* splitmix64: the stream SmoothGrad and RISE draw from (reproducible in
 * numpy: tests/parity/multipass_methods.py). */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double next_uniform(uint64_t *s) /* [0, 1) */
{
    return (double)(next_u64(s) >> 11) * 0x1.0p-53;
}

/* N(0, 1) values by Box-Muller from the uniforms of s: each pair of draws
 * gives two, r cos θ and then r sin θ (the log, root and cosine were most
 * of SmoothGrad's time outside its passes). */
typedef struct gauss {
    uint64_t s;
    double sine; /* the pair's second value, when 'paired' */
    bool paired;
} gauss;

static double next_gaussian(gauss *g)
{
    if (g->paired) {
        g->paired = false;
        return g->sine;
    }
    double u1 = 1.0 - next_uniform(&g->s), u2 = next_uniform(&g->s);
    double r = sqrt(-2.0 * log(u1)), t = 6.283185307179586 * u2;
    g->sine = r * sin(t);
    g->paired = true;
    return r * cos(t);
}

/* The batch of inputs and its outputs, filled row by row and run when full. */
typedef struct batch {
    lrp_passes *ps;
    size_t size; /* c * h * w */
    float *x, *logits, *grad;
    int rows;
} batch;

static lrp_status batch_init(batch *b, lrp_passes *ps, bool gradient, lrp_error *err)
{
    *b = (batch){.ps = ps, .size = (size_t)ps->c * ps->h * ps->w};
    size_t n = (size_t)ps->batch * b->size + 1;
    b->x = calloc(n, sizeof *b->x);
    b->logits = calloc((size_t)ps->batch * ps->n_classes + 1, sizeof *b->logits);
    b->grad = gradient ? calloc(n, sizeof *b->grad) : NULL;
    if (!b->x || !b->logits || (gradient && !b->grad))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for a batch of %d inputs",
                             ps->batch);
    return LRP_OK;
}

static void batch_free(batch *b)
{
    free(b->x);
    free(b->logits);
    free(b->grad);
}

/* Runs the rows filled so far (the rest of the batch repeats row 0). */
static lrp_status batch_run(batch *b, int target, lrp_error *err)
{
    for (int r = b->rows; r < b->ps->batch; r++)
        memcpy(b->x + (size_t)r * b->size, b->x, b->size * sizeof *b->x);
    b->ps->forwards += b->rows;
    b->ps->backwards += b->grad ? b->rows : 0;
    return b->ps->run(b->ps->ctx, b->x, target, b->logits, b->grad, err);
}

static double target_logit(const batch *b, int row, int target)
{
    return b->logits[(size_t)row * b->ps->n_classes + target];
}

static double softmax_of(const batch *b, int row, int target)
{
    return lrp_output_probability(LRP_OUTPUT_LOGITS, b->logits + (size_t)row * b->ps->n_classes,
                                  b->ps->n_classes, target);
}

/* dst (c, hw) = x (c, hw) ⊙ mask (hw), each channel. */
static void mask_channels(float *dst, const float *x, const float *mask, int c, size_t hw)
{
    for (int ch = 0; ch < c; ch++, dst += hw, x += hw)
        for (size_t j = 0; j < hw; j++)
            dst[j] = x[j] * mask[j];
}

/* Integrated Gradients (Sundararajan et al. 2017), zennit's right Riemann
 * sum: (x - b) ⊙ (1/m) Σ_{k=1..m} ∇f(b + (k/m)(x - b)). */
static lrp_status integrated_gradients(const lrp_method_params *p, batch *b, const float *x,
                                       const float *base, int target, float *out, double *delta,
                                       lrp_error *err)
{
    int m = p->ig_steps;
    lrp_status st = LRP_OK;
    memset(out, 0, b->size * sizeof *out);
    for (int k0 = 1; k0 <= m && !st; k0 += b->ps->batch) {
        b->rows = m - k0 + 1 < b->ps->batch ? m - k0 + 1 : b->ps->batch;
        for (int r = 0; r < b->rows; r++) {
            double alpha = (double)(k0 + r) / m;
            for (size_t i = 0; i < b->size; i++)
                b->x[(size_t)r * b->size + i] = (float)(base[i] + alpha * (x[i] - base[i]));
        }
        if ((st = batch_run(b, target, err)))
            break;
        for (int r = 0; r < b->rows; r++)
            for (size_t i = 0; i < b->size; i++)
                out[i] += b->grad[(size_t)r * b->size + i] / (float)m;
        if (k0 + b->rows > m) /* the last row is x itself */
            *delta = target_logit(b, b->rows - 1, target);
    }
    for (size_t i = 0; i < b->size && !st; i++)
        out[i] *= x[i] - base[i];
    if (st)
        return st;
    b->rows = 1; /* f(baseline) */
    memcpy(b->x, base, b->size * sizeof *b->x);
    float *grad = b->grad;
    b->grad = NULL;
    st = batch_run(b, target, err);
    b->grad = grad;
    *delta -= target_logit(b, 0, target);
    return st;
}

/* The least and the largest of u[0 .. n-1], n >= 1, in 16 independent
 * chains of comparisons, which the compiler interleaves where one chain
 * waits on each comparison (a minimum is exact in any order). */
static void min_max(const float *u, size_t n, float *min, float *max)
{
    enum { LANES = 16 };
    float lo[LANES], hi[LANES];
    for (int j = 0; j < LANES; j++)
        lo[j] = hi[j] = u[0];
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) {
            lo[j] = u[i + j] < lo[j] ? u[i + j] : lo[j];
            hi[j] = u[i + j] > hi[j] ? u[i + j] : hi[j];
        }
    for (; i < n; i++) {
        lo[0] = u[i] < lo[0] ? u[i] : lo[0];
        hi[0] = u[i] > hi[0] ? u[i] : hi[0];
    }
    for (int j = 1; j < LANES; j++) {
        lo[0] = lo[j] < lo[0] ? lo[j] : lo[0];
        hi[0] = hi[j] > hi[0] ? hi[j] : hi[0];
    }
    *min = lo[0];
    *max = hi[0];
}

/* SmoothGrad (Smilkov et al. 2017) as zennit: the mean gradient at
 * x + ε_j, ε_j ~ N(0, (σ (max x - min x))²) per element, j = 1..n. */
static lrp_status smoothgrad(const lrp_method_params *p, batch *b, const float *x, int target,
                             float *out, lrp_error *err)
{
    float lo, hi;
    min_max(x, b->size, &lo, &hi);
    double sd = p->sg_noise * ((double)hi - lo);
    gauss noise = {.s = p->seed};
    lrp_status st = LRP_OK;
    memset(out, 0, b->size * sizeof *out);
    for (int j0 = 0; j0 < p->sg_samples && !st; j0 += b->ps->batch) {
        int left = p->sg_samples - j0;
        b->rows = left < b->ps->batch ? left : b->ps->batch;
        for (int r = 0; r < b->rows; r++)
            for (size_t i = 0; i < b->size; i++)
                b->x[(size_t)r * b->size + i] = (float)(x[i] + sd * next_gaussian(&noise));
        if ((st = batch_run(b, target, err)))
            break;
        for (int r = 0; r < b->rows; r++)
            for (size_t i = 0; i < b->size; i++)
                out[i] += b->grad[(size_t)r * b->size + i] / (float)p->sg_samples;
    }
    return st;
}

/* Occlusion as zennit's attributor: a window (all channels, wh x ww,
 * wrapping around the edges like torch.roll) at every stride offset keeps
 * x inside and zeroes it outside; each pixel sums the target logit of the
 * windows that contain it. */
static bool in_window(int v, int start, int len, int size)
{
    int d = v - start;
    d += d < 0 ? size : 0;
    return d < len;
}

static lrp_status occlusion(const lrp_method_params *p, batch *b, const float *x, int target,
                            float *out, lrp_error *err)
{
    int h = b->ps->h, w = b->ps->w;
    int wh = p->occ_window < h ? p->occ_window : h, ww = p->occ_window < w ? p->occ_window : w;
    int sh = p->occ_stride < h ? p->occ_stride : h, sw = p->occ_stride < w ? p->occ_stride : w;
    int nx = (w + sw - 1) / sw, n = ((h + sh - 1) / sh) * nx;
    lrp_status st = LRP_OK;
    memset(out, 0, b->size * sizeof *out);
    for (int k0 = 0; k0 < n && !st; k0 += b->ps->batch) {
        b->rows = n - k0 < b->ps->batch ? n - k0 : b->ps->batch;
        for (int r = 0; r < b->rows; r++)
            for (size_t i = 0; i < b->size; i++) {
                int y = (int)(i / w % h), xx = (int)(i % w), k = k0 + r;
                bool in = in_window(y, k / nx * sh, wh, h) && in_window(xx, k % nx * sw, ww, w);
                b->x[(size_t)r * b->size + i] = in ? x[i] : 0.0f;
            }
        if ((st = batch_run(b, target, err)))
            break;
        for (int r = 0; r < b->rows; r++)
            for (size_t i = 0; i < b->size; i++) {
                int y = (int)(i / w % h), xx = (int)(i % w), k = k0 + r;
                if (in_window(y, k / nx * sh, wh, h) && in_window(xx, k % nx * sw, ww, w))
                    out[i] += (float)target_logit(b, r, target);
            }
    }
    return st;
}

/* One RISE mask (h, w): an s x s grid of cells kept with probability p,
 * upsampled bilinearly to ((s+1) cell) squared, cell = ceil(side / s),
 * and cropped at a random shift in [0, cell) per axis. taps: the
 * upsampling's, (s+1) cell of them; rows: scratch of s * w floats. */
static int rise_up(const lrp_method_params *p, int h, int w, int *cell)
{
    int n = p->rise_cells, side = h > w ? h : w;
    *cell = (side + n - 1) / n;
    return (n + 1) * *cell;
}

static void rise_mask(const lrp_method_params *p, int h, int w, int cell, uint64_t *s,
                      const lrp_lerp *taps, float *grid, float *rows, float *mask)
{
    int n = p->rise_cells;
    for (int i = 0; i < n * n; i++)
        grid[i] = next_uniform(s) < p->rise_p ? 1.0f : 0.0f;
    int dy = (int)(next_uniform(s) * cell), dx = (int)(next_uniform(s) * cell);
    lrp_bilinear_resize(grid, n, n, taps + dy, h, taps + dx, w, rows, mask);
}

/* RISE (Petsiuk et al. 2018): Σ_i P(target | x ⊙ M_i) M_i / (N p), spread
 * evenly over the channels so that their sum is the map. */
static lrp_status rise(const lrp_method_params *p, batch *b, const float *x, int target,
                       float *out, lrp_error *err)
{
    int h = b->ps->h, w = b->ps->w, c = b->ps->c, n = p->rise_cells, cell;
    int up = rise_up(p, h, w, &cell);
    size_t hw = (size_t)h * w;
    /* the batch's masks (batch, h, w), the grid (n, n), the rows (n, w) */
    float *masks = malloc(((size_t)b->ps->batch * hw + (size_t)n * n + (size_t)n * w) *
                          sizeof *masks);
    lrp_lerp *taps = malloc((size_t)up * sizeof *taps);
    if (!masks || !taps) {
        free(masks);
        free(taps);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for the RISE masks");
    }
    float *grid = masks + (size_t)b->ps->batch * hw, *rows = grid + (size_t)n * n;
    lrp_bilinear_axis(n, up, taps);
    uint64_t s = p->seed;
    lrp_status st = LRP_OK;
    memset(out, 0, b->size * sizeof *out);
    for (int k0 = 0; k0 < p->rise_masks && !st; k0 += b->ps->batch) {
        int left = p->rise_masks - k0;
        b->rows = left < b->ps->batch ? left : b->ps->batch;
        for (int r = 0; r < b->rows; r++) {
            float *mask = masks + (size_t)r * hw;
            rise_mask(p, h, w, cell, &s, taps, grid, rows, mask);
            mask_channels(b->x + (size_t)r * b->size, x, mask, c, hw);
        }
        if ((st = batch_run(b, target, err)))
            break;
        for (int r = 0; r < b->rows; r++) { /* into channel 0, spread over the others */
            float score = (float)(softmax_of(b, r, target) / (p->rise_masks * p->rise_p));
            const float *mask = masks + (size_t)r * hw;
            for (size_t j = 0; j < hw; j++)
                out[j] += score * mask[j];
        }
    }
    if (!st)
        lrp_channel_map_spread(out, c, hw);
    free(masks);
    free(taps);
    return st;
}

/* Score-CAM (Wang et al. 2020) as its authors' code: each channel A_k of
 * the layer, upsampled bilinearly to U_k (h, w), masks the input with its
 * min-max normalization; cam = ReLU(Σ_k p(target | x ⊙ norm U_k) U_k),
 * spread evenly over the channels. Constant maps are skipped (weight 0).
 * The sum is taken over the A_k, at the layer's resolution, and resized
 * once: the same map, as resizing is linear, without a full-size sum per
 * mask. */
static bool normalize(const float *u, size_t n, float *mask)
{
    float lo, hi;
    min_max(u, n, &lo, &hi);
    if (!(hi > lo))
        return false;
    float range = hi - lo;
    for (size_t i = 0; i < n; i++)
        mask[i] = (u[i] - lo) / range;
    return true;
}

static lrp_status score_cam(batch *b, const lrp_multipass_image *im, float *out, lrp_error *err)
{
    int h = b->ps->h, w = b->ps->w, c = b->ps->c, k_all = im->act_c;
    int ah = im->act_h, aw = im->act_w;
    size_t hw = (size_t)h * w, ahw = (size_t)ah * aw;
    /* U_k and its mask (h, w) each, the resize's rows (act_h, w), the map
       at the layer's resolution (act_h, act_w) */
    float *u = malloc((2 * hw + (size_t)ah * w + ahw) * sizeof *u);
    float *mask = u + hw, *rows = mask + hw, *low = rows + (size_t)ah * w;
    lrp_lerp *taps = malloc(((size_t)h + w) * sizeof *taps);
    double *sum = calloc(ahw, sizeof *sum); /* Σ_k p_k A_k */
    int *row_k = malloc((size_t)b->ps->batch * sizeof *row_k);
    lrp_status st = u && taps && sum && row_k
                        ? LRP_OK
                        : lrp_error_set(err, LRP_ERR_NOMEM,
                                        "out of memory for the Score-CAM masks");
    if (!st) {
        lrp_bilinear_axis(ah, h, taps);
        lrp_bilinear_axis(aw, w, taps + h);
    }
    for (int k = 0; k < k_all && !st;) {
        for (b->rows = 0; k < k_all && b->rows < b->ps->batch; k++) {
            lrp_bilinear_resize(im->act + (size_t)k * ahw, ah, aw, taps, h, taps + h, w, rows,
                                u);
            if (!normalize(u, hw, mask))
                continue;
            mask_channels(b->x + (size_t)b->rows * b->size, im->x, mask, c, hw);
            row_k[b->rows++] = k;
        }
        if (b->rows && (st = batch_run(b, im->target, err)))
            break;
        for (int r = 0; r < b->rows; r++) {
            double weight = softmax_of(b, r, im->target);
            const float *a = im->act + (size_t)row_k[r] * ahw;
            for (size_t i = 0; i < ahw; i++)
                sum[i] += weight * a[i];
        }
    }
    if (!st) { /* Σ_k p_k U_k: the resize of Σ_k p_k A_k, resizing being linear */
        for (size_t i = 0; i < ahw; i++)
            low[i] = (float)sum[i];
        lrp_bilinear_resize(low, ah, aw, taps, h, taps + h, w, rows, u);
    }
    if (!st) {
        for (size_t j = 0; j < hw; j++)
            out[j] = u[j] > 0.0f ? u[j] : 0.0f;
        lrp_channel_map_spread(out, c, hw);
    }
    free(u);
    free(taps);
    free(sum);
    free(row_k);
    return st;
}

lrp_status lrp_multipass_run(const lrp_multipass *m, const lrp_method_params *p, lrp_passes *ps,
                             const lrp_multipass_image *im, float *out, double *delta,
                             lrp_error *err)
{
    const float *x = im->x, *low = im->low;
    int target = im->target;
    batch b;
    *delta = NAN;
    lrp_status st = batch_init(&b, ps, m->gradient, err);
    float *base = st ? NULL : malloc(b.size * sizeof *base + 1);
    if (!st && !base)
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    if (!st && m->kind == LRP_MP_INTEGRATED_GRADIENTS) {
        size_t hw = (size_t)ps->h * ps->w;
        for (size_t i = 0; i < b.size; i++)
            base[i] = p->ig_baseline == LRP_IG_BLACK && low ? low[i / hw] : 0.0f;
        st = integrated_gradients(p, &b, x, base, target, out, delta, err);
    } else if (!st && m->kind == LRP_MP_SMOOTHGRAD)
        st = smoothgrad(p, &b, x, target, out, err);
    else if (!st && m->kind == LRP_MP_OCCLUSION)
        st = occlusion(p, &b, x, target, out, err);
    else if (!st && m->kind == LRP_MP_RISE)
        st = rise(p, &b, x, target, out, err);
    else if (!st)
        st = score_cam(&b, im, out, err);
    free(base);
    batch_free(&b);
    return st;
}
