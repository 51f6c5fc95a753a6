/* The forward executor's fusion on the sample ResNet (BN folded): with no keep set
 * every Relu runs inside the Conv or Add before it and every residual Add
 * inside a Conv; with the values the split rule reads kept, no Add is fused
 * into a Conv; and the fused pass gives the logits of the unfused one (all
 * values kept) to float rounding, on 1 and 2 threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "explain/forward.h"

#include "check.h"

typedef struct counts {
    int relus, adds, fused_relus, fused_adds;
} counts;

static counts count(const lrp_forward *f, const lrp_graph *g)
{
    counts c = {0};
    for (int i = 0; i < g->n_nodes; i++) {
        bool relu = strcmp(g->nodes[i].op_type, "Relu") == 0;
        bool add = strcmp(g->nodes[i].op_type, "Add") == 0;
        c.relus += relu;
        c.adds += add;
        c.fused_relus += relu && f->fusion.done_by[i] >= 0;
        c.fused_adds += add && f->fusion.done_by[i] >= 0;
    }
    return c;
}

/* The first output after a run of f on x, copied. */
static float *run(lrp_forward *f, const lrp_graph *g, const float *x, lrp_pool *pool, size_t *n)
{
    lrp_error err;
    CHECK(lrp_forward_run(f, x, pool, NULL, &err) == LRP_OK, "forward: %s", err.message);
    const lrp_tensor *y = lrp_forward_value(f, g->outputs[0]);
    *n = lrp_tensor_count(y);
    float *copy = malloc(*n * sizeof *copy);
    memcpy(copy, y->data, *n * sizeof *copy);
    return copy;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test-fusion SCRATCH MODEL.onnx\n");
        return 2;
    }
    lrp_error err = {0};
    lrp_model *m = NULL;
    CHECK(lrp_model_load(argv[2], &m, &err) == LRP_OK, "%s", err.message);
    if (!m)
        return 1;
    const lrp_graph *g = &m->graph;
    const int64_t dims[4] = {2, 3, 64, 64};
    size_t nx = 2 * 3 * 64 * 64, nv = (size_t)g->n_values;
    float *x = malloc(nx * sizeof *x);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)sin(0.37 * (double)i);
    lrp_keep *keep = calloc(nv, sizeof *keep), *all = malloc(nv * sizeof *all);
    memset(all, LRP_KEEP_PLAIN, nv * sizeof *all);
    for (int a = 0; a < m->n_residuals; a++) /* what the split rule reads */
        for (int k = 0; k < 2; k++)
            keep[g->nodes[m->residuals[a].node].inputs[k]] = LRP_KEEP_PLAIN;

    lrp_forward plain = {0}, split = {0}, none = {0};
    size_t big = (size_t)1 << 32;
    CHECK(lrp_forward_init(&plain, g, 4, dims, NULL, big, &err) == LRP_OK, "%s", err.message);
    CHECK(lrp_forward_init(&split, g, 4, dims, keep, big, &err) == LRP_OK, "%s", err.message);
    CHECK(lrp_forward_init(&none, g, 4, dims, all, big, &err) == LRP_OK, "%s", err.message);

    counts c = count(&plain, g);
    CHECK(c.relus > 0 && c.fused_relus == c.relus, "no keep: %d of %d Relus fused",
          c.fused_relus, c.relus);
    CHECK(c.adds == m->n_residuals && c.fused_adds == c.adds, "no keep: %d of %d Adds fused",
          c.fused_adds, c.adds);
    c = count(&split, g);
    CHECK(c.fused_adds == 0, "split inputs kept: %d Adds fused into a Conv", c.fused_adds);
    CHECK(c.fused_relus == c.relus, "split inputs kept: %d of %d Relus fused", c.fused_relus,
          c.relus);
    c = count(&none, g);
    CHECK(c.fused_relus == 0 && c.fused_adds == 0, "all kept: %d Relus, %d Adds fused",
          c.fused_relus, c.fused_adds);

    lrp_pool *pool = NULL;
    CHECK(lrp_pool_new(2, &pool, &err) == LRP_OK, "%s", err.message);
    size_t n = 0;
    float *want = run(&none, g, x, NULL, &n);
    float *fused[3] = {run(&plain, g, x, NULL, &n), run(&plain, g, x, pool, &n),
                       run(&split, g, x, pool, &n)};
    double scale = 0.0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (int r = 0; r < 3; r++) {
        double worst = 0.0;
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs((double)fused[r][i] - want[i]));
        CHECK(worst <= 1e-5 * scale, "run %d: logits differ from the unfused pass by %g", r,
              worst);
        free(fused[r]);
    }
    free(want);
    lrp_pool_free(pool);
    lrp_forward_free(&plain);
    lrp_forward_free(&split);
    lrp_forward_free(&none);
    free(keep);
    free(all);
    free(x);
    lrp_model_free(m);
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
