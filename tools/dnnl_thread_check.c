/* Do oneDNN's convolutions give the same bits for any OpenMP thread count?
 * Every distinct ResNet-50 conv (224x224, batch 1 and 8): forward with bias
 * and ReLU, and backward-data, each primitive created and run under 1 and
 * under 2..max threads, outputs compared byte for byte. --time T instead
 * times the batch-1 forward convs on oneDNN's own T OpenMP threads (the sum
 * of each conv's median of 15 runs), for docs/benchmarks.md's co-tenant table.
 *   cc -O2 tools/dnnl_thread_check.c -o /tmp/dnnl_thread_check -ldnnl -fopenmp
 *   /tmp/dnnl_thread_check [max_threads]     (exit 1 when any bit differs)
 *   /tmp/dnnl_thread_check --time T */
#include <dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OK(call)                                                                  \
    do {                                                                          \
        dnnl_status_t st_ = (call);                                               \
        if (st_ != dnnl_success) {                                                \
            fprintf(stderr, "%s:%d: %s: status %d\n", __FILE__, __LINE__, #call, \
                    (int)st_);                                                    \
            exit(2);                                                              \
        }                                                                         \
    } while (0)

typedef struct shape { int c, m, h, k, s; } shape;

/* (C in, M out, input H = W, kernel, stride); pad = k / 2. */
static const shape resnet50[] = {
    {3, 64, 224, 7, 2},     {64, 64, 56, 1, 1},     {64, 64, 56, 3, 1},
    {64, 256, 56, 1, 1},    {256, 64, 56, 1, 1},    {256, 128, 56, 1, 1},
    {128, 128, 56, 3, 2},   {128, 512, 28, 1, 1},   {256, 512, 56, 1, 2},
    {512, 128, 28, 1, 1},   {128, 128, 28, 3, 1},   {512, 256, 28, 1, 1},
    {256, 256, 28, 3, 2},   {256, 1024, 14, 1, 1},  {512, 1024, 28, 1, 2},
    {1024, 256, 14, 1, 1},  {256, 256, 14, 3, 1},   {1024, 512, 14, 1, 1},
    {512, 512, 14, 3, 2},   {512, 2048, 7, 1, 1},   {1024, 2048, 14, 1, 2},
    {2048, 512, 7, 1, 1},   {512, 512, 7, 3, 1},
};

static dnnl_engine_t engine;

static void fill(float *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
}

static dnnl_memory_t mem(const dnnl_memory_desc_t *md, unsigned seed)
{
    dnnl_memory_t m;
    OK(dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE));
    void *p;
    OK(dnnl_memory_get_data_handle(m, &p));
    fill(p, dnnl_memory_desc_get_size(md) / sizeof(float), seed);
    return m;
}

static double ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --time: the median of 15 runs of prim, in ms. */
static double median_ms(dnnl_primitive_t prim, dnnl_stream_t stream, int n, dnnl_exec_arg_t *args)
{
    double t[15];
    for (int r = 0; r < 15; r++) {
        double t0 = ms_now();
        OK(dnnl_primitive_execute(prim, stream, n, args));
        OK(dnnl_stream_wait(stream));
        t[r] = ms_now() - t0;
    }
    qsort(t, 15, sizeof *t, by_value);
    return t[7];
}

static double timed_ms; /* --time: the last run()'s median */
static int timing;

/* Runs one conv (forward or backward-data) under 'threads'; returns a
 * malloc'd copy of its output (size bytes). */
static void *run(const shape *sh, int n, int backward, int threads, size_t *size)
{
    omp_set_num_threads(threads);
    int p = sh->k / 2, oh = (sh->h + 2 * p - sh->k) / sh->s + 1;
    int pr = (oh - 1) * sh->s + sh->k - sh->h - p;
    dnnl_dims_t src = {n, sh->c, sh->h, sh->h}, wei = {sh->m, sh->c, sh->k, sh->k};
    dnnl_dims_t dst = {n, sh->m, oh, oh}, bia = {sh->m};
    dnnl_dims_t str = {sh->s, sh->s}, dil = {0, 0}, pl = {p, p}, prr = {pr, pr};
    dnnl_memory_desc_t s_md, w_md, d_md, b_md;
    OK(dnnl_memory_desc_init_by_tag(&s_md, 4, src, dnnl_f32, dnnl_format_tag_any));
    OK(dnnl_memory_desc_init_by_tag(&w_md, 4, wei, dnnl_f32, dnnl_format_tag_any));
    OK(dnnl_memory_desc_init_by_tag(&d_md, 4, dst, dnnl_f32, dnnl_format_tag_any));
    OK(dnnl_memory_desc_init_by_tag(&b_md, 1, bia, dnnl_f32, dnnl_x));
    dnnl_convolution_desc_t fwd;
    OK(dnnl_dilated_convolution_forward_desc_init(&fwd, dnnl_forward_inference,
                                                  dnnl_convolution_direct, &s_md, &w_md, &b_md,
                                                  &d_md, str, dil, pl, prr));
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    OK(dnnl_primitive_attr_create(&attr));
    OK(dnnl_post_ops_create(&po));
    OK(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
    OK(dnnl_primitive_attr_set_post_ops(attr, po));
    dnnl_primitive_desc_t fwd_pd, pd;
    OK(dnnl_primitive_desc_create(&fwd_pd, &fwd, attr, engine, NULL));
    if (backward) {
        dnnl_convolution_desc_t bwd;
        OK(dnnl_dilated_convolution_backward_data_desc_init(&bwd, dnnl_convolution_direct,
                                                            &s_md, &w_md, &d_md, str, dil, pl,
                                                            prr));
        OK(dnnl_primitive_desc_create(&pd, &bwd, NULL, engine, fwd_pd));
    } else {
        pd = fwd_pd;
    }
    const dnnl_memory_desc_t *in0 = dnnl_primitive_desc_query_md(
        pd, backward ? dnnl_query_diff_dst_md : dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *w = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *out = dnnl_primitive_desc_query_md(
        pd, backward ? dnnl_query_diff_src_md : dnnl_query_dst_md, 0);
    dnnl_memory_t m_in = mem(in0, 1), m_w = mem(w, 2), m_out = mem(out, 3), m_b = mem(&b_md, 4);
    dnnl_primitive_t prim;
    OK(dnnl_primitive_create(&prim, pd));
    dnnl_stream_t stream;
    OK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    dnnl_exec_arg_t args[4] = {{backward ? DNNL_ARG_DIFF_DST : DNNL_ARG_SRC, m_in},
                               {DNNL_ARG_WEIGHTS, m_w},
                               {backward ? DNNL_ARG_DIFF_SRC : DNNL_ARG_DST, m_out},
                               {DNNL_ARG_BIAS, m_b}};
    OK(dnnl_primitive_execute(prim, stream, backward ? 3 : 4, args));
    OK(dnnl_stream_wait(stream));
    if (timing)
        timed_ms = median_ms(prim, stream, backward ? 3 : 4, args);
    *size = dnnl_memory_desc_get_size(out);
    void *copy = malloc(*size), *data;
    OK(dnnl_memory_get_data_handle(m_out, &data));
    memcpy(copy, data, *size);
    const char *impl;
    OK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    if (threads == 1 && !timing)
        printf("  %-4s %-24s", backward ? "bwd" : "fwd", impl);
    dnnl_stream_destroy(stream);
    dnnl_primitive_destroy(prim);
    dnnl_memory_destroy(m_in);
    dnnl_memory_destroy(m_w);
    dnnl_memory_destroy(m_out);
    dnnl_memory_destroy(m_b);
    if (backward)
        dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_desc_destroy(fwd_pd);
    dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_destroy(attr);
    return copy;
}

int main(int argc, char **argv)
{
    int max_threads = argc > 1 ? atoi(argv[1]) : 2, differ = 0;
    OK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    if (argc > 2 && strcmp(argv[1], "--time") == 0) {
        double total = 0.0;
        size_t bytes;
        timing = 1;
        for (size_t i = 1; i < sizeof resnet50 / sizeof *resnet50; i++) { /* the body */
            free(run(&resnet50[i], 1, 0, atoi(argv[2]), &bytes));
            total += timed_ms;
        }
        printf("%d OpenMP threads: %.2f ms for the 22 body convs, forward, batch 1\n",
               atoi(argv[2]), total);
        dnnl_engine_destroy(engine);
        return 0;
    }
    printf("oneDNN %d.%d.%d, ISA %d\n", dnnl_version()->major, dnnl_version()->minor,
           dnnl_version()->patch, (int)dnnl_get_effective_cpu_isa());
    for (int n = 1; n <= 8; n += 7)
        for (size_t i = 0; i < sizeof resnet50 / sizeof *resnet50; i++)
            for (int backward = 0; backward < 2; backward++) {
                const shape *sh = &resnet50[i];
                size_t size, size2;
                void *one = run(sh, n, backward, 1, &size);
                printf("N %d C %4d M %4d H %3d k %d s %d:", n, sh->c, sh->m, sh->h, sh->k, sh->s);
                for (int t = 2; t <= max_threads; t++) {
                    void *many = run(sh, n, backward, t, &size2);
                    int same = size == size2 && memcmp(one, many, size) == 0;
                    printf(" %d threads %s", t, same ? "same" : "DIFFERENT");
                    differ += !same;
                    free(many);
                }
                printf("\n");
                free(one);
            }
    printf("%d of %d cases differ\n", differ,
           (int)(2 * 2 * (sizeof resnet50 / sizeof *resnet50) * (size_t)(max_threads - 1)));
    dnnl_engine_destroy(engine);
    return differ != 0;
}
