/* The paper's Insertion and Deletion curves and their AUCs (method §7):
 * pixels are revealed (or blacked out) in the order of a relevance map and
 * the model's probability of the label is recorded after every step. */
#ifndef LRP_EVAL_INSDEL_H
#define LRP_EVAL_INSDEL_H

#include "lrp.h"

/* Runs the model on a batch (B, C, H, W) of normalized inputs and writes
 * the softmax probability of 'label' for each of the B inputs into prob (B). */
typedef lrp_status (*lrp_prob_fn)(void *ctx, const float *batch, int b, int label, float *prob,
                                  lrp_error *err);

typedef struct lrp_insdel_config {
    int step;      /* pixels per step; 0 = ceil(N/100) (the paper: 500 at 224x224) */
    int max_batch; /* perturbed inputs per call of fn (>= 1) */
} lrp_insdel_config;

#define LRP_INSDEL_DEFAULT_BATCH 16

typedef struct lrp_insdel_result {
    int n;                   /* points: ceil(N / step) */
    int forwards;            /* inputs run through fn: 2 per distinct threshold (<= 2n) */
    double *ins, *del;       /* n probabilities each (owned: lrp_insdel_result_free) */
    double ins_auc, del_auc; /* (sum y - y0/2 - y_{n-1}/2) / (n - 1); n == 1: y0 */
} lrp_insdel_result;

/* image01 (C, H, W) in [0,1]; mean and std (C) normalize it as (v - mean) / std;
 * map (H, W), higher = more relevant, already heat-quantized if wanted.
 * With the pixels sorted by map descending (ties by pixel index) and
 * tau_k = the value at rank min(step (k+1), N-1), point k of Insertion keeps
 * the pixels with map >= tau_k and blacks out the rest (0 in [0,1] space);
 * Deletion blacks out exactly those pixels. Points with the same tau_k
 * share one input per curve, run once. cfg NULL: step 0, max_batch
 * LRP_INSDEL_DEFAULT_BATCH. At most max_batch inputs are built at a time.
 * On success *res is the caller's; on failure it is zeroed. */
lrp_status lrp_insdel_run(const float *image01, int c, int h, int w, const float *mean,
                          const float *std, const float *map, int label,
                          const lrp_insdel_config *cfg, lrp_prob_fn fn, void *ctx,
                          lrp_insdel_result *res, lrp_error *err);

/* lrp_insdel_run for n_maps maps of one image (maps[m] (H, W) each, e.g.
 * one per method) into res[0 .. n_maps-1]: every map's inputs are run in
 * one sequence, max_batch at a time, so that only the last batch is short;
 * n_ctx threads take the batches in turn, worker w calling fn with ctx[w]
 * (the caller's thread is worker 0). The same curves as n_maps calls
 * of lrp_insdel_run whenever fn's result for an input depends on nothing
 * else. On failure (the first failing batch's error) every res[m] is zeroed. */
lrp_status lrp_insdel_run_maps(const float *image01, int c, int h, int w, const float *mean,
                               const float *std, const float *const *maps, int n_maps,
                               int label, const lrp_insdel_config *cfg, lrp_prob_fn fn,
                               void *const *ctx, int n_ctx, lrp_insdel_result *res,
                               lrp_error *err);

/* The patch version (the authors' metrics/patch_insdel.py): map (H, W),
 * in place, each P x P block set to its maximum (skimage's block_reduce
 * with np.max), so that lrp_insdel_run with step s·P² ranks and reveals
 * whole patches, s per step: the pixel ranks s·P²(k+1) fall on patch rank
 * s(k+1). H and W must be multiples of P. */
void lrp_insdel_patch_max(float *map, int h, int w, int p);

/* The trapezoid AUC of y (n) over x = k / (n - 1); n == 1: y0; n < 1: 0. */
double lrp_insdel_auc(const double *y, int n);

/* Frees the curves and zeroes res; NULL-safe. */
void lrp_insdel_result_free(lrp_insdel_result *res);

#endif /* LRP_EVAL_INSDEL_H */
