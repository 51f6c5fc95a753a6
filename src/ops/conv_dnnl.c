/* Convolutions through oneDNN's v2 C API (see ops/conv_dnnl.h): the only
 * file that includes oneDNN's <dnnl.h>, so that oneDNN v3 is this file's
 * change.
 *
 * One conv call, per round of up to ROUND_MAX images: the tensor every task
 * reads whole ('a': x forward, dy backward) is reordered into nChw16c
 * (nChw8c below AVX-512, where oneDNN's direct kernels want that), then each
 * task computes 16-channel blocks [c0, c1) of the other ('b': y, or dx) with
 * one single-threaded primitive and reorders them back to (N,C,H,W)
 * (backward: adding into dx). Tensors whose channels are not a multiple of
 * 16 (the stem's 3) stay plain and are never cut. Forward, x, y and the
 * residual operand may be kept blocked by the caller between convs
 * (lrp_dnnl_conv_blockable, f32 only): then neither reorder runs for them.
 *
 * Precision bf16 (an lrp_dnnl's bf16 twin, lrp_dnnl_bf16): the reorder of
 * 'a' also converts it to bf16, the weights are packed as bf16 once, and
 * 'b' stays f32: oneDNN accumulates in f32 and writes y (bias, residual add
 * and ReLU applied in f32) or dx in f32, so every step outside the
 * convolutions stays f32. Its layout is channels-last (nhwc) instead, for
 * every channel count: oneDNN's AMX kernels take only that, and ran 8-12x
 * faster than f32 on one core where its AVX512_BF16 ones on nChw16c were
 * 1.3-1.6x slower (docs/benchmarks.md, bf16). 'a' is one nhwc tensor whose
 * channel ranges the a-tasks fill; each task's tile of 'b' is a dense nhwc
 * tensor of its own channels. A 1x1 stride-1 conv in bf16 is oneDNN's
 * matmul on the plain tensors instead (b rows = W rows . a, backward with
 * the rows of W^T): no reorder but a's conversion to bf16, 3-6x cheaper
 * than the one into nhwc. */
#include "ops/conv_dnnl.h"

#include <dnnl.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

enum {
    BLOCK = 16,             /* tasks cut channels at multiples of this */
    CHANNELS_LAST = -1,     /* an 'inner' that means nhwc */
    TILES_MAX = 8,          /* tasks per image, at most */
    WINOGRAD_TILES_MAX = 4, /* and for a Winograd conv (winograd_fits) */
    WINOGRAD_MIN_CHANNELS = 128,
    WINOGRAD_MIN_SIDE = 14,
    WINOGRAD_MIN_IMAGES = 4, /* per round, for the other 3x3 stride-1 convs */
    TILE_BLOCKS = 2,         /* blocks per task, at least */
    ROUND_MAX = 8,           /* images per round */
    SPLIT_MACS = 1 << 21,    /* smaller convs stay one task per image */
    DESC_BUCKETS = 256,      /* of an lrp_dnnl's descriptors, by shape */
};

/* What a cached entry was made for; zeroed before it is filled so that
 * memcmp compares it. */
typedef struct conv_key {
    bool backward, bias, add, relu;
    bool add_blocked; /* forward: the residual operand is in y's blocked layout */
    const float *w;
    int64_t c_in, c_out, images; /* images: per round */
    lrp_geom g;
} conv_key;

/* A memory descriptor of the entries, kept once in the lrp_dnnl however
 * many parts and reorders use it: equal descriptors have one address, by
 * which runners find their memory objects (ResNet-50's 159 entries hold
 * 8000 descriptors, 133 of them different). */
typedef struct desc {
    struct desc *next;
    dnnl_memory_desc_t md;
} desc;

/* One reorder of channels [c0, c1) of one image, plain <-> blocked. */
typedef struct reorder {
    dnnl_primitive_t p;
    const dnnl_memory_desc_t *plain, *blocked; /* 'desc's */
} reorder;

/* The task that computes channels [c0, c1) of b. */
typedef struct part {
    int64_t c0, c1;
    dnnl_primitive_t conv;
    const dnnl_memory_desc_t *a_md, *w_md, *b_md, *bias_md, *pad_md; /* 'desc's */
    const float *w;   /* the weights packed for conv (a 'packed' of the lrp_dnnl) */
    reorder add_in;   /* forward with a residual add: add -> the blocked tile */
    bool add_in_tile; /* the add is put into the tile for a sum post-op (else: binary) */
    reorder b_out;    /* forward: the blocked tile -> y */
} part;

typedef struct entry {
    conv_key key;
    bool made;          /* false: named while planning, not made yet (lrp_dnnl_make_planned) */
    bool ok;            /* made, and oneDNN has a primitive for it */
    atomic_bool failed; /* while its parts are made: one could not be */
    int inner; /* channels per block of the blocked layout: 16, 8, CHANNELS_LAST or 0 (plain) */
    bool a_blocked,
        b_blocked;           /* through a reordered copy in the 'inner' layout, else in place */
    dnnl_data_type_t a_type; /* of a's blocked copy and of the weights: f32, or bf16 */
    size_t a_size;           /* bytes per element of that copy */
    /* bf16 1x1 stride-1: a matmul on plain a (bf16) and b (f32); its AMX
       kernel ran at 600-1570 GFLOP/s on one core, and the backward is one
       too (of W^T), 1.5-4.5x faster than oneDNN's 1x1 backward-data */
    bool matmul;
    bool winograd;                  /* see winograd_fits */
    int64_t a_ch, a_hw, b_ch, b_hw; /* channels and pixels of one image */
    int n_parts, n_a;
    part parts[TILES_MAX];
    reorder a_in[TILES_MAX]; /* channel ranges of a into the blocked copy */
    int64_t a_c0[TILES_MAX + 1];
    struct entry *next;
} entry;

/* Weights packed for a part, shared by every entry whose part packs the
 * same rows (forward) or columns (backward) of the same weights the same
 * way: entries differ by epilogue (which keep set the fusion had), but
 * their weights need one copy. */
typedef struct packed {
    struct packed *next;
    const float *from; /* the weights as stored */
    bool backward;
    int64_t c0, c1;
    dnnl_memory_desc_t md;
    float *data;
} packed;

/* A memory object of a runner: made for one descriptor (a 'desc') as one
 * argument of a primitive, then only pointed at each call's data. */
typedef struct slot {
    const dnnl_memory_desc_t *md; /* NULL: free */
    int which;                    /* DNNL_ARG_*: one call may pass one desc twice */
    dnnl_memory_t mem;
    const void *data; /* the handle set last */
} slot;

/* What one task runs primitives with, taken from the lrp_dnnl for the task
 * and given back: a stream, a memory object per descriptor and argument it
 * has run, and a scratchpad (up to 800 KB for ResNet-50's). Making the
 * stream and memory objects per call took 16% of the samples at 64x64
 * (docs/benchmarks.md), a fresh scratchpad page faults. A runner belongs
 * to no thread: there are as many as tasks ever ran at once, none is lost
 * when a thread exits, and lrp_dnnl_free frees them all. */
typedef struct runner {
    struct runner *next;
    dnnl_stream_t stream;
    slot *slots; /* open addressing by (md, which), n_slots a power of 2 */
    size_t n_slots, used;
    void *pad;
    size_t pad_size;
} runner;

struct lrp_dnnl {
    dnnl_engine_t engine;
    int inner;             /* nChw16c with AVX-512, else nChw8c; a bf16 twin: CHANNELS_LAST */
    dnnl_data_type_t type; /* what the convs read: f32, or bf16 in a twin */
    struct lrp_dnnl *bf16; /* the bf16 twin, made by lrp_dnnl_bf16; NULL until then */
    pthread_mutex_t lock;  /* guards 'entries' (which never change once made) */
    entry *entries;
    pthread_mutex_t runners_lock; /* guards 'runners' (not 'lock': making an entry holds it) */
    runner *runners;              /* not in use */
    pthread_mutex_t packs_lock;   /* guards 'packs' and 'descs' (parts are made in parallel) */
    /* held by make_task while a part makes its oneDNN objects, one part at a
       time: with parts made in parallel, ThreadSanitizer saw threads read
       primitive descriptors that another thread's making had written, in an
       order it could not see inside oneDNN. pack_weights lets it go while
       its reorder fills the pack: that (the page faults, the copy and
       Winograd's transform) is what runs in parallel. */
    pthread_mutex_t make_lock;
    packed *packs;
    desc *descs[DESC_BUCKETS];
};

/* Per calling thread: only making entries (see lrp_dnnl_set_planning). */
static _Thread_local bool planning;

bool lrp_dnnl_built(void)
{
    return true;
}

bool lrp_dnnl_set_planning(bool on)
{
    bool was = planning;
    planning = on;
    return was;
}

static const char *isa_name(dnnl_cpu_isa_t isa)
{
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
    }
}

int lrp_dnnl_block_channels(const lrp_dnnl *d)
{
    return d && d->inner > 0 ? d->inner : 0;
}

const char *lrp_dnnl_describe(void)
{
    static char text[96];
    const dnnl_version_t *v = dnnl_version();
    snprintf(text, sizeof text, "oneDNN %d.%d.%d (up to %s)", v->major, v->minor, v->patch,
             isa_name(dnnl_get_effective_cpu_isa()));
    return text;
}

lrp_status lrp_dnnl_new(lrp_dnnl **out, lrp_error *err)
{
    lrp_dnnl *d = calloc(1, sizeof *d);
    if (!d)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    if (dnnl_engine_create(&d->engine, dnnl_cpu, 0) != dnnl_success) {
        free(d);
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, "oneDNN found no CPU engine");
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_mutex_init(&d->runners_lock, NULL);
    pthread_mutex_init(&d->packs_lock, NULL);
    pthread_mutex_init(&d->make_lock, NULL);
    d->inner = dnnl_get_effective_cpu_isa() >= dnnl_cpu_isa_avx512_core ? 16 : 8;
    d->type = dnnl_f32;
    *out = d;
    return LRP_OK;
}

/* oneDNN's bf16 convolutions need AVX512_BF16 (avx512_core_bf16) or AMX;
 * on plain AVX-512 they would emulate bf16, slower than f32. */
lrp_status lrp_dnnl_bf16_check(lrp_error *err)
{
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    if (isa >= dnnl_cpu_isa_avx512_core_bf16)
        return LRP_OK;
    return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                         "bf16 needs a CPU with AVX512_BF16 or AMX (oneDNN finds only %s)",
                         isa_name(isa));
}

lrp_status lrp_dnnl_bf16(lrp_dnnl *d, lrp_dnnl **out, lrp_error *err)
{
    lrp_status st = lrp_dnnl_bf16_check(err);
    if (st)
        return st;
    if (!d->bf16 && (st = lrp_dnnl_new(&d->bf16, err)))
        return st;
    d->bf16->type = dnnl_bf16;
    d->bf16->inner = CHANNELS_LAST;
    *out = d->bf16;
    return LRP_OK;
}

lrp_dnnl *lrp_dnnl_bf16_twin(const lrp_dnnl *d)
{
    return d ? d->bf16 : NULL;
}

static void reorder_free(reorder *r)
{
    if (r->p)
        dnnl_primitive_destroy(r->p);
}

/* Destroys what entry e has made; its key and its place in the list stay. */
static void entry_unmake(entry *e)
{
    for (int t = 0; t < e->n_parts; t++) {
        part *p = &e->parts[t];
        if (p->conv)
            dnnl_primitive_destroy(p->conv);
        reorder_free(&p->add_in);
        reorder_free(&p->b_out);
    }
    for (int t = 0; t < e->n_a; t++)
        reorder_free(&e->a_in[t]);
    conv_key key;
    memcpy(&key, &e->key, sizeof key); /* padding included, for memcmp */
    entry *next = e->next;
    memset(e, 0, sizeof *e);
    memcpy(&e->key, &key, sizeof key);
    e->next = next;
}

static void entry_free(entry *e)
{
    entry_unmake(e);
    free(e);
}

static void runner_free(runner *r)
{
    for (size_t i = 0; i < r->n_slots; i++)
        if (r->slots[i].md)
            dnnl_memory_destroy(r->slots[i].mem);
    if (r->stream)
        dnnl_stream_destroy(r->stream);
    free(r->slots);
    free(r->pad);
    free(r);
}

void lrp_dnnl_free(lrp_dnnl *d)
{
    if (!d)
        return;
    for (entry *e = d->entries, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    for (runner *r = d->runners, *next; r; r = next) {
        next = r->next;
        runner_free(r);
    }
    for (packed *p = d->packs, *next; p; p = next) {
        next = p->next;
        free(p->data);
        free(p);
    }
    for (int b = 0; b < DESC_BUCKETS; b++)
        for (desc *x = d->descs[b], *next; x; x = next) {
            next = x->next;
            free(x);
        }
    pthread_mutex_destroy(&d->make_lock);
    pthread_mutex_destroy(&d->packs_lock);
    pthread_mutex_destroy(&d->runners_lock);
    pthread_mutex_destroy(&d->lock);
    dnnl_engine_destroy(d->engine);
    lrp_dnnl_free(d->bf16);
    free(d);
}

/* oneDNN runs single-threaded in whichever thread calls it (see dnnl.h);
 * the caller's own OpenMP setting is put back afterwards. */
static int one_thread(void)
{
    int before = omp_get_max_threads();
    if (before != 1)
        omp_set_num_threads(1);
    return before;
}

static void threads_back(int before)
{
    if (before != 1)
        omp_set_num_threads(before);
}

/* An argument of one execution: which, its layout, its memory. */
typedef struct arg {
    int which;
    const dnnl_memory_desc_t *md;
    const void *data;
} arg;

/* Runs p on memory the caller owns with objects made for this call alone
 * (pack_weights' descriptors are its own locals); false when oneDNN
 * refuses. */
static bool execute_once(const lrp_dnnl *d, dnnl_primitive_t p, int n, const arg *args)
{
    dnnl_exec_arg_t ex[6];
    dnnl_stream_t stream = NULL;
    int made = 0;
    bool ok = dnnl_stream_create(&stream, d->engine, dnnl_stream_default_flags) == dnnl_success;
    while (ok && made < n) {
        ex[made].arg = args[made].which;
        ok = dnnl_memory_create(&ex[made].memory, args[made].md, d->engine,
                                (void *)args[made].data) == dnnl_success;
        made += ok;
    }
    if (ok)
        ok = dnnl_primitive_execute(p, stream, n, ex) == dnnl_success &&
             dnnl_stream_wait(stream) == dnnl_success;
    for (int i = 0; i < made; i++)
        dnnl_memory_destroy(ex[i].memory);
    if (stream)
        dnnl_stream_destroy(stream);
    return ok;
}

/* A runner not in use, or a new one; NULL when out of memory. */
static runner *runner_take(lrp_dnnl *d)
{
    pthread_mutex_lock(&d->runners_lock);
    runner *r = d->runners;
    if (r)
        d->runners = r->next;
    pthread_mutex_unlock(&d->runners_lock);
    if (r || !(r = calloc(1, sizeof *r)))
        return r;
    if (dnnl_stream_create(&r->stream, d->engine, dnnl_stream_default_flags) != dnnl_success) {
        free(r);
        return NULL;
    }
    return r;
}

static void runner_give(lrp_dnnl *d, runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&d->runners_lock);
    r->next = d->runners;
    d->runners = r;
    pthread_mutex_unlock(&d->runners_lock);
}

/* The slot of (md, which) in slots (n a power of 2, never full), or the
 * free one where it goes. */
static slot *slot_find(slot *slots, size_t n, const dnnl_memory_desc_t *md, int which)
{
    uint64_t h = ((uint64_t)(uintptr_t)md + (uint64_t)which) * 0x9E3779B97F4A7C15u;
    size_t i = (size_t)(h ^ h >> 32) & (n - 1);
    while (slots[i].md && (slots[i].md != md || slots[i].which != which))
        i = (i + 1) & (n - 1);
    return &slots[i];
}

/* Room for one more slot, the table at most half full. */
static bool runner_room(runner *r)
{
    if (2 * (r->used + 1) <= r->n_slots)
        return true;
    size_t n = r->n_slots ? 2 * r->n_slots : 64;
    slot *slots = calloc(n, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < r->n_slots; i++)
        if (r->slots[i].md)
            *slot_find(slots, n, r->slots[i].md, r->slots[i].which) = r->slots[i];
    free(r->slots);
    r->slots = slots;
    r->n_slots = n;
    return true;
}

/* r's memory object for a as argument a->which, pointed at a->data: a->md
 * is a 'desc', which stays where it is until lrp_dnnl_free. The handle is
 * set only when it changes (setting it zero-pads padded layouts); NULL
 * when out of memory. */
static dnnl_memory_t runner_memory(const lrp_dnnl *d, runner *r, const arg *a)
{
    if (!runner_room(r))
        return NULL;
    slot *s = slot_find(r->slots, r->n_slots, a->md, a->which);
    const void *data = a->data;
    if (!s->md) {
        if (dnnl_memory_create(&s->mem, a->md, d->engine, (void *)data) != dnnl_success)
            return NULL;
        s->md = a->md;
        s->which = a->which;
        s->data = data;
        r->used++;
    } else if (s->data != data) {
        if (dnnl_memory_set_data_handle_v2(s->mem, (void *)data, r->stream) != dnnl_success) {
            s->data = s; /* no tensor's address: set it again next time */
            return NULL;
        }
        s->data = data;
    }
    return s->mem;
}

/* r's scratchpad of at least 'size' bytes (NULL: out of memory); the sizes
 * converge on the largest. */
static void *runner_pad(runner *r, size_t size)
{
    if (size <= r->pad_size)
        return r->pad;
    size = (size + 63) / 64 * 64;
    void *pad = aligned_alloc(64, size);
    if (!pad)
        return NULL;
    free(r->pad);
    r->pad = pad;
    r->pad_size = size;
    return pad;
}

/* Runs p on memory the caller owns (args' descriptors 'desc's) with r;
 * false when oneDNN refuses. */
static bool execute(const lrp_dnnl *d, runner *r, dnnl_primitive_t p, int n, const arg *args)
{
    dnnl_exec_arg_t ex[6];
    for (int i = 0; i < n; i++) {
        ex[i].arg = args[i].which;
        if (!(ex[i].memory = runner_memory(d, r, &args[i])))
            return false;
    }
    return dnnl_primitive_execute(p, r->stream, n, ex) == dnnl_success &&
           dnnl_stream_wait(r->stream) == dnnl_success;
}

/* (1, ch, h, w) of 'type' as plain nchw (inner 0), blocked by 'inner'
 * channels, or channels-last. */
static void image_md(dnnl_memory_desc_t *md, int64_t ch, int64_t h, int64_t w, int inner,
                     dnnl_data_type_t type)
{
    dnnl_dims_t dims = {1, ch, h, w};
    dnnl_format_tag_t tag = inner == 16              ? dnnl_nChw16c
                            : inner == 8             ? dnnl_nChw8c
                            : inner == CHANNELS_LAST ? dnnl_nhwc
                                                     : dnnl_nchw;
    dnnl_memory_desc_init_by_tag(md, 4, dims, type, tag);
}

/* md's bucket among the descriptors: by its type and dimensions. */
static size_t desc_bucket(const dnnl_memory_desc_t *md)
{
    uint64_t h = (uint64_t)md->data_type * 31u + (uint64_t)md->ndims;
    for (int i = 0; i < md->ndims; i++)
        h = h * 1000003u + (uint64_t)md->dims[i];
    return (size_t)(h ^ h >> 29) % DESC_BUCKETS;
}

/* d's one copy of md, made on first use; NULL when out of memory. */
static const dnnl_memory_desc_t *desc_keep(lrp_dnnl *d, const dnnl_memory_desc_t *md)
{
    size_t b = desc_bucket(md);
    pthread_mutex_lock(&d->packs_lock);
    desc *x = d->descs[b];
    while (x && !dnnl_memory_desc_equal(&x->md, md))
        x = x->next;
    if (!x && (x = malloc(sizeof *x))) {
        x->md = *md;
        x->next = d->descs[b];
        d->descs[b] = x;
    }
    pthread_mutex_unlock(&d->packs_lock);
    return x ? &x->md : NULL;
}

/* The scratchpad descriptor of pd, kept in d (NULL: out of memory). */
static const dnnl_memory_desc_t *pad_desc(lrp_dnnl *d, const_dnnl_primitive_desc_t pd)
{
    return desc_keep(d, dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
}

/* A reorder from 'from' to 'to'; add: to += from instead of to = from. */
static bool reorder_make(const lrp_dnnl *d, dnnl_primitive_t *p, const dnnl_memory_desc_t *from,
                         const dnnl_memory_desc_t *to, bool add)
{
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    bool ok = dnnl_primitive_attr_create(&attr) == dnnl_success &&
              dnnl_post_ops_create(&po) == dnnl_success &&
              (!add || dnnl_post_ops_append_sum(po, 1.0f) == dnnl_success) &&
              dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success &&
              dnnl_reorder_primitive_desc_create(&pd, from, d->engine, to, d->engine, attr) ==
                  dnnl_success &&
              dnnl_primitive_create(p, pd) == dnnl_success;
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return ok;
}

/* Channels [c0, c1) of one image: plain f32 <-> 'inner'-blocked of 'type'
 * (0: plain), either way; all_ch: the channels of the blocked tensor
 * (channels-last strides rows by them). */
static bool channel_reorder(lrp_dnnl *d, reorder *r, int64_t ch, int64_t all_ch, int64_t h,
                            int64_t w, int inner, dnnl_data_type_t type, bool to_blocked)
{
    dnnl_dims_t dims = {1, ch, h, w}, nhwc = {h * w * all_ch, 1, w * all_ch, all_ch};
    dnnl_memory_desc_t plain, blocked;
    image_md(&plain, ch, h, w, 0, dnnl_f32);
    if (inner == CHANNELS_LAST)
        dnnl_memory_desc_init_by_strides(&blocked, 4, dims, type, nhwc);
    else
        image_md(&blocked, ch, h, w, inner, type);
    return (r->plain = desc_keep(d, &plain)) && (r->blocked = desc_keep(d, &blocked)) &&
           (to_blocked ? reorder_make(d, &r->p, &plain, &blocked, false)
                       : reorder_make(d, &r->p, &blocked, &plain, false));
}

/* Tasks per image cutting 'ch' channels: by blocks of 16, fewer for small
 * convs and when a round has several images to share the threads. */
static int tasks_per_image(int64_t ch, int64_t macs, int64_t images, int most)
{
    if (ch % BLOCK != 0 || macs < SPLIT_MACS)
        return 1;
    int64_t t = ch / BLOCK / TILE_BLOCKS;
    t = t < 1 ? 1 : t > most ? most : t;
    t /= images;
    return t < 1 ? 1 : (int)t;
}

/* Start of task t of 'tasks' over 'ch' channels, on a block boundary. */
static int64_t task_start(int64_t ch, int t, int tasks)
{
    if (ch % BLOCK != 0)
        return t == 0 ? 0 : ch;
    return ch / BLOCK * t / tasks * BLOCK;
}

/* Both conv descriptors of part p: forward (with bias, for inference, or
 * without as the hint of the backward one) and backward-data. */
static bool conv_descs(const entry *e, const part *p, dnnl_alg_kind_t alg,
                       dnnl_convolution_desc_t *fwd, dnnl_convolution_desc_t *bwd,
                       dnnl_memory_desc_t *src, dnnl_memory_desc_t *wei,
                       dnnl_memory_desc_t *bia, dnnl_memory_desc_t *dst)
{
    const conv_key *k = &e->key;
    const lrp_geom *g = &k->g;
    int64_t m = k->backward ? k->c_out : p->c1 - p->c0,
            c = k->backward ? p->c1 - p->c0 : k->c_in;
    dnnl_dims_t wdims = {m, c, g->kh, g->kw}, bdims = {m};
    dnnl_dims_t strides = {g->sh, g->sw}, dil = {g->dh - 1, g->dw - 1};
    dnnl_dims_t pad_l = {g->pad_t, g->pad_l};
    dnnl_dims_t pad_r = {(g->out_h - 1) * g->sh + (g->kh - 1) * g->dh + 1 - g->in_h - g->pad_t,
                         (g->out_w - 1) * g->sw + (g->kw - 1) * g->dw + 1 - g->in_w - g->pad_l};
    bool src_blocked = k->backward ? e->b_blocked : e->a_blocked;
    bool dst_blocked = k->backward ? e->a_blocked : e->b_blocked;
    /* a of a_type, b f32; the backward's forward hint reads a_type */
    dnnl_memory_desc_t hint_src;
    image_md(src, c, g->in_h, g->in_w, src_blocked ? e->inner : 0,
             k->backward ? dnnl_f32 : e->a_type);
    image_md(&hint_src, c, g->in_h, g->in_w, src_blocked ? e->inner : 0, e->a_type);
    image_md(dst, m, g->out_h, g->out_w, dst_blocked ? e->inner : 0,
             k->backward ? e->a_type : dnnl_f32);
    dnnl_memory_desc_init_by_tag(wei, 4, wdims, e->a_type, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(bia, 1, bdims, dnnl_f32, dnnl_x);
    bool with_bias = !k->backward && k->bias;
    if (dnnl_dilated_convolution_forward_desc_init(fwd,
                                                   k->backward ? dnnl_forward_training
                                                               : dnnl_forward_inference,
                                                   alg, k->backward ? &hint_src : src, wei,
                                                   with_bias ? bia : NULL, dst, strides, dil,
                                                   pad_l, pad_r) != dnnl_success)
        return false;
    return !k->backward ||
           dnnl_dilated_convolution_backward_data_desc_init(bwd, dnnl_convolution_direct, src,
                                                            wei, dst, strides, dil, pad_l,
                                                            pad_r) == dnnl_success;
}

/* The attributes of part p's primitive: a user scratchpad, and forward the
 * epilogue as post-ops: y = relu?(conv + b + add), with 'sum' (a matmul's
 * bias, or the add copied into y first) relu?(conv + y), or the add read
 * where it is in y's layout, 'add_md', by a binary post-op. */
static dnnl_primitive_attr_t conv_attr(const conv_key *k, bool sum,
                                       const dnnl_memory_desc_t *add_md)
{
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success)
        return NULL;
    bool ok = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) ==
                  dnnl_success &&
              dnnl_post_ops_create(&po) == dnnl_success;
    if (ok) {
        ok = (!sum || dnnl_post_ops_append_sum(po, 1.0f) == dnnl_success) &&
             (!add_md ||
              dnnl_post_ops_append_binary(po, dnnl_binary_add, add_md) == dnnl_success) &&
             (!k->relu || dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f,
                                                       0.0f) == dnnl_success) &&
             dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success;
        dnnl_post_ops_destroy(po);
    }
    if (!ok) {
        dnnl_primitive_attr_destroy(attr);
        return NULL;
    }
    return attr;
}

/* The copy of part p's weights packed for w_md that an earlier part made,
 * or NULL; under d->packs_lock. */
static const float *packed_find(const lrp_dnnl *d, const entry *e, const part *p,
                                const dnnl_memory_desc_t *w_md)
{
    const packed *q = d->packs;
    while (q && !(q->from == e->key.w && q->backward == e->key.backward && q->c0 == p->c0 &&
                  q->c1 == p->c1 && dnnl_memory_desc_equal(&q->md, w_md)))
        q = q->next;
    return q ? q->data : NULL;
}

/* Packs the weights of part p (w: (M, C, kH, kW) as stored) for its
 * primitive: rows c0..c1 forward, columns c0..c1 backward (a matmul's:
 * rows c0..c1 of W (M, C) or of W^T (C, M)); or finds them packed already.
 * Called with d->make_lock held (make_task), which it lets go while packing. */
static bool pack_weights(lrp_dnnl *d, const entry *e, part *p, const dnnl_memory_desc_t *w_md)
{
    const conv_key *k = &e->key;
    if (!(p->w_md = desc_keep(d, w_md)))
        return false;
    pthread_mutex_lock(&d->packs_lock);
    p->w = packed_find(d, e, p, w_md);
    pthread_mutex_unlock(&d->packs_lock);
    if (p->w)
        return true;
    int64_t kk = k->g.kh * k->g.kw;
    int64_t m = k->backward ? k->c_out : p->c1 - p->c0,
            c = k->backward ? p->c1 - p->c0 : k->c_in;
    dnnl_dims_t dims = {m, c, k->g.kh, k->g.kw}, strides = {k->c_in * kk, kk, k->g.kw, 1};
    dnnl_dims_t mm_dims = {p->c1 - p->c0, e->a_ch};
    dnnl_dims_t mm_strides = {k->backward ? 1 : k->c_in, k->backward ? k->c_in : 1};
    dnnl_memory_desc_t user;
    const float *from = k->w + p->c0 * (k->backward ? kk : k->c_in * kk);
    dnnl_primitive_t r = NULL;
    packed *q = calloc(1, sizeof *q);
    if (q)
        q->data = aligned_alloc(64, (dnnl_memory_desc_get_size(w_md) + 63) / 64 * 64);
    bool ok = q && q->data &&
              dnnl_memory_desc_init_by_strides(&user, e->matmul ? 2 : 4,
                                               e->matmul ? mm_dims : dims, dnnl_f32,
                                               e->matmul ? mm_strides : strides) ==
                  dnnl_success &&
              reorder_make(d, &r, &user, w_md, false);
    if (ok) {
        arg args[2] = {{DNNL_ARG_FROM, &user, from}, {DNNL_ARG_TO, w_md, q->data}};
        pthread_mutex_unlock(&d->make_lock); /* see lrp_dnnl's make_lock */
        ok = execute_once(d, r, 2, args);
        pthread_mutex_lock(&d->make_lock);
    }
    if (r)
        dnnl_primitive_destroy(r);
    if (!ok) {
        if (q)
            free(q->data);
        free(q);
        return false;
    }
    *q = (packed){.from = k->w,
                  .backward = k->backward,
                  .c0 = p->c0,
                  .c1 = p->c1,
                  .md = *w_md,
                  .data = q->data};
    /* parts of other entries are made at the same time (lrp_dnnl_make_planned):
       one that packed the same weights meanwhile keeps its copy, ours goes */
    pthread_mutex_lock(&d->packs_lock);
    if ((p->w = packed_find(d, e, p, w_md))) {
        free(q->data);
        free(q);
    } else {
        q->next = d->packs;
        d->packs = q;
        p->w = q->data;
    }
    pthread_mutex_unlock(&d->packs_lock);
    return true;
}

/* Whether pd is one of oneDNN's direct kernels: its reference loops ran
 * the stem's backward pass 100x slower than OpenBLAS, and its GEMM-based
 * convolutions are the im2col the OpenBLAS kernels do already. */
static bool is_direct(const_dnnl_primitive_desc_t pd)
{
    const char *impl = NULL;
    return dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success &&
           impl && strncmp(impl, "ref", 3) != 0 && !strstr(impl, "gemm");
}

/* The first of oneDNN's implementations of op (as dnnl_primitive_desc_create
 * picks), passing over the 3x3 brgconv kernels in bf16: making them,
 * oneDNN 2.6.3 reads one element past the end of a table (an ASan build
 * faulted there), and its jit:avx512_core_amx ones ran within 20% of them
 * (docs/benchmarks.md, bf16). NULL when there is none. */
static dnnl_primitive_desc_t first_impl(const lrp_dnnl *d, const_dnnl_op_desc_t op,
                                        const_dnnl_primitive_attr_t attr,
                                        const_dnnl_primitive_desc_t hint)
{
    dnnl_primitive_desc_iterator_t it;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_primitive_desc_iterator_create(&it, op, attr, d->engine, hint) != dnnl_success)
        return NULL;
    do {
        const char *impl = NULL;
        pd = dnnl_primitive_desc_iterator_fetch(it);
        if (pd && d->type != dnnl_f32 &&
            dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success &&
            impl && strncmp(impl, "brgconv:", 8) == 0) {
            dnnl_primitive_desc_destroy(pd);
            pd = NULL;
        }
    } while (!pd && dnnl_primitive_desc_iterator_next(it) == dnnl_success);
    dnnl_primitive_desc_iterator_destroy(it);
    return pd;
}

/* Part p as a matmul of one image: b rows c0..c1 (ch, hw) = w (ch, a_ch)
 * . a (a_ch, hw), all plain; the bias is put into b before (run_part). */
static bool matmul_part_make(lrp_dnnl *d, entry *e, part *p)
{
    const conv_key *k = &e->key;
    dnnl_dims_t w_dims = {p->c1 - p->c0, e->a_ch}, a_dims = {e->a_ch, e->a_hw};
    dnnl_dims_t b_dims = {p->c1 - p->c0, e->b_hw};
    dnnl_matmul_desc_t md;
    dnnl_memory_desc_t w_md, a_md, b_md;
    dnnl_memory_desc_init_by_tag(&w_md, 2, w_dims, e->a_type, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&a_md, 2, a_dims, e->a_type, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&b_md, 2, b_dims, dnnl_f32, dnnl_ab);
    dnnl_primitive_attr_t attr = conv_attr(k, k->add || k->bias, NULL);
    dnnl_primitive_desc_t pd = NULL;
    p->add_in_tile = k->add;
    bool ok = attr && dnnl_matmul_desc_init(&md, &w_md, &a_md, NULL, &b_md) == dnnl_success &&
              dnnl_primitive_desc_create(&pd, &md, attr, d->engine, NULL) == dnnl_success &&
              is_direct(pd);
    if (ok) {
        ok = (p->a_md = desc_keep(d, &a_md)) && (p->b_md = desc_keep(d, &b_md)) &&
             (p->pad_md = pad_desc(d, pd)) && pack_weights(d, e, p, &w_md) &&
             dnnl_primitive_create(&p->conv, pd) == dnnl_success;
    }
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return ok;
}

/* Part p's primitive, its packed weights and its reorders. */
static bool part_make(lrp_dnnl *d, entry *e, part *p)
{
    const conv_key *k = &e->key;
    dnnl_convolution_desc_t fwd, bwd;
    dnnl_memory_desc_t src, wei, bia, dst;
    if (e->matmul)
        return matmul_part_make(d, e, p);
    if (!conv_descs(e, p, dnnl_convolution_direct, &fwd, &bwd, &src, &wei, &bia, &dst))
        return false;
    /* the residual operand is read where it is, in the tile's layout, by a
       binary post-op, else put into the tile for a sum post-op; oneDNN 2.6's
       Winograd kernel takes only the sum, which pays: with the binary one,
       half of ResNet-18's 3x3 convs of a batch of 8 ran direct, 1.4-1.7x
       slower (docs/benchmarks.md, Winograd) */
    dnnl_primitive_attr_t attr = conv_attr(k, k->add && !k->add_blocked,
                                           k->add_blocked ? &dst : NULL);
    bool sum_for_winograd = e->winograd && k->add_blocked;
    dnnl_primitive_attr_t wino_attr = sum_for_winograd ? conv_attr(k, true, NULL) : attr;
    dnnl_primitive_desc_t hint = NULL, pd = NULL;
    dnnl_convolution_desc_t wino;
    bool ok = attr && wino_attr; /* Winograd where the entry wants it and oneDNN has it */
    if (ok && e->winograd &&
        conv_descs(e, p, dnnl_convolution_winograd, &wino, &bwd, &src, &wei, &bia, &dst))
        pd = first_impl(d, &wino, wino_attr, NULL);
    p->add_in_tile = k->add && (!k->add_blocked || (pd && sum_for_winograd));
    ok = ok && (k->backward ? dnnl_primitive_desc_create(&hint, &fwd, attr, d->engine, NULL) ==
                                  dnnl_success
                            : pd || (pd = first_impl(d, &fwd, attr, NULL)) != NULL);
    if (ok && k->backward) /* the hint is never made into a primitive */
        ok = dnnl_primitive_desc_create(&pd, &bwd, attr, d->engine, hint) == dnnl_success;
    ok = ok && is_direct(pd);
    if (ok) {
        ok = (p->a_md = desc_keep(d, k->backward ? &dst : &src)) &&
             (p->b_md = desc_keep(d, k->backward ? &src : &dst)) &&
             (p->bias_md = desc_keep(d, &bia)) && (p->pad_md = pad_desc(d, pd)) &&
             pack_weights(d, e, p,
                          dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)) &&
             dnnl_primitive_create(&p->conv, pd) == dnnl_success;
    }
    int64_t ch = p->c1 - p->c0, h = k->backward ? k->g.in_h : k->g.out_h;
    int64_t w = k->backward ? k->g.in_w : k->g.out_w;
    if (ok && k->add && e->b_blocked)
        ok = channel_reorder(d, &p->add_in, ch, ch, h, w, e->inner, dnnl_f32, true);
    if (ok && e->b_blocked && !k->backward)
        ok = channel_reorder(d, &p->b_out, ch, ch, h, w, e->inner, dnnl_f32, false);
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (hint)
        dnnl_primitive_desc_destroy(hint);
    if (wino_attr && wino_attr != attr)
        dnnl_primitive_attr_destroy(wino_attr);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return ok;
}

/* Making parts, one task each, of one entry or of every entry planned
 * (lrp_dnnl_make_planned): packing the weights, with its page faults, is
 * most of the first run's extra time. */
typedef struct part_ref {
    entry *e;
    int part;
} part_ref;

typedef struct make_job {
    lrp_dnnl *d;
    const part_ref *refs;
} make_job;

static void make_task(void *ctx, int task)
{
    const make_job *j = ctx;
    const part_ref *r = &j->refs[task];
    int before = one_thread();
    pthread_mutex_lock(&j->d->make_lock);
    if (!part_make(j->d, r->e, &r->e->parts[r->part]))
        r->e->failed = true;
    pthread_mutex_unlock(&j->d->make_lock);
    threads_back(before);
}

/* oneDNN's Winograd F(2x2, 3x3) kernel for an f32 3x3 stride-1 forward
 * conv between blocked tensors: it does 16 products per 2x2 output tile
 * and input channel where the direct kernel does 36, and its maps are as
 * near OpenBLAS's (docs/benchmarks.md, Winograd). Each task transforms all
 * of its image's x, so where an image is cut into several tasks it paid
 * only for ResNet-50's 128 channels at 28x28 (0.80x the direct kernel's
 * time on one core) and 256 at 14x14 (0.75x), not for 64 at 56x56 (1.01x)
 * or 512 at 7x7 (1.19x); with one task per image of a round of 4 images
 * or more it paid for all four (64 at 56x56 in a batch of 8: 0.62x). A
 * lone image's convs too small to cut stay direct (unmeasured). Such
 * convs are cut into fewer tasks. */
static bool winograd_fits(const lrp_dnnl *d, const entry *e)
{
    const conv_key *k = &e->key;
    const lrp_geom *g = &k->g;
    return !k->backward && !e->matmul && d->type == dnnl_f32 && e->inner == 16 && g->kh == 3 &&
           g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 &&
           k->c_in % BLOCK == 0 && k->c_out % BLOCK == 0;
}

static bool wants_winograd(const lrp_dnnl *d, const entry *e, int tasks_per_image)
{
    const conv_key *k = &e->key;
    bool batched = tasks_per_image == 1 && k->images >= WINOGRAD_MIN_IMAGES;
    return winograd_fits(d, e) &&
           (batched || (k->c_in >= WINOGRAD_MIN_CHANNELS && k->g.out_h >= WINOGRAD_MIN_SIDE &&
                        k->g.out_w >= WINOGRAD_MIN_SIDE));
}

/* What entry e's key decides before oneDNN makes anything: its layouts,
 * its kind of kernel and its parts' channel ranges. */
static void entry_plan(const lrp_dnnl *d, entry *e)
{
    const conv_key *k = &e->key;
    const lrp_geom *g = &k->g;
    int64_t macs = k->c_in * k->c_out * g->kh * g->kw * g->out_h * g->out_w;
    e->a_ch = k->backward ? k->c_out : k->c_in;
    e->b_ch = k->backward ? k->c_in : k->c_out;
    e->a_hw = k->backward ? g->out_h * g->out_w : g->in_h * g->in_w;
    e->b_hw = k->backward ? g->in_h * g->in_w : g->out_h * g->out_w;
    e->a_type = d->type;
    e->a_size = e->a_type == dnnl_f32 ? sizeof(float) : 2;
    e->matmul = e->a_type != dnnl_f32 && g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 &&
                g->pad_t == 0 && g->pad_l == 0 && g->in_h == g->out_h && g->in_w == g->out_w;
    e->inner = e->matmul ? 0 : d->inner; /* a matmul's a: a plain bf16 copy */
    e->a_blocked = e->a_ch % BLOCK == 0 || e->inner == CHANNELS_LAST || e->matmul;
    e->b_blocked = !e->matmul && (e->b_ch % BLOCK == 0 || e->inner == CHANNELS_LAST);
    int winograd_parts = tasks_per_image(e->b_ch, macs, k->images, WINOGRAD_TILES_MAX);
    e->winograd = wants_winograd(d, e, winograd_parts);
    e->n_parts = e->winograd ? winograd_parts
                             : tasks_per_image(e->b_ch, macs, k->images, TILES_MAX);
    for (int t = 0; t < e->n_parts; t++) {
        e->parts[t].c0 = task_start(e->b_ch, t, e->n_parts);
        e->parts[t].c1 = task_start(e->b_ch, t + 1, e->n_parts);
    }
}

/* The reorders of a into its blocked copy, once e's parts are made. */
static bool entry_finish(lrp_dnnl *d, entry *e)
{
    const conv_key *k = &e->key;
    const lrp_geom *g = &k->g;
    int n_a = e->a_blocked ? tasks_per_image(e->a_ch, SPLIT_MACS, k->images, TILES_MAX) : 0;
    int64_t h = k->backward ? g->out_h : g->in_h, w = k->backward ? g->out_w : g->in_w;
    for (e->n_a = 0; e->n_a < n_a; e->n_a++) {
        e->a_c0[e->n_a] = task_start(e->a_ch, e->n_a, n_a);
        e->a_c0[e->n_a + 1] = task_start(e->a_ch, e->n_a + 1, n_a);
        if (!channel_reorder(d, &e->a_in[e->n_a], e->a_c0[e->n_a + 1] - e->a_c0[e->n_a],
                             e->a_ch, h, w, e->inner, e->a_type, true)) {
            e->n_a++;
            return false;
        }
    }
    return true;
}

/* The entry for key k made so far, or NULL; under d->lock. */
static entry *entry_find(const lrp_dnnl *d, const conv_key *k)
{
    entry *e = d->entries;
    while (e && (e->key.w != k->w || memcmp(&e->key, k, sizeof *k) != 0))
        e = e->next;
    return e;
}

/* Marks e made: ok, or else emptied and remembered, so that the fallback
 * is not retried. */
static void entry_made(entry *e, bool ok)
{
    if (!ok)
        entry_unmake(e);
    e->made = true;
    e->ok = ok;
}

/* Makes the n parts refs names on 'pool', then their entries whole; under
 * d->lock. */
static void make_parts(lrp_dnnl *d, const part_ref *refs, size_t n, lrp_pool *pool)
{
    make_job job = {.d = d, .refs = refs};
    int before = one_thread();
    lrp_pool_run(pool, (int)n, make_task, &job);
    for (size_t t = 0; t < n; t++) {
        entry *e = refs[t].e;
        if (!e->made)
            entry_made(e, !e->failed && entry_finish(d, e));
    }
    threads_back(before);
}

/* The entry for key k, named in the list, and made on first use outside
 * planning on 'pool' (under the lock: forks of one explainer share it).
 * 'refill' runs while it is not made, since making it packs k->w (here or
 * in lrp_dnnl_make_planned). NULL when out of memory. */
static const entry *entry_for(lrp_dnnl *d, const conv_key *k, lrp_pool *pool,
                              const lrp_conv_refill *refill)
{
    pthread_mutex_lock(&d->lock);
    entry *e = entry_find(d, k);
    if (!e && (e = calloc(1, sizeof *e))) {
        memcpy(&e->key, k, sizeof *k); /* padding included, for memcmp */
        e->next = d->entries;
        d->entries = e;
    }
    if (e && !e->made)
        lrp_conv_refill_run(refill);
    if (e && !e->made && !planning) {
        entry_plan(d, e);
        part_ref refs[TILES_MAX];
        for (int t = 0; t < e->n_parts; t++)
            refs[t] = (part_ref){e, t};
        make_parts(d, refs, (size_t)e->n_parts, pool);
    }
    pthread_mutex_unlock(&d->lock);
    return e;
}

/* Heavier parts first, so that the last ones to start are short: by the
 * weights a part packs. */
static int64_t part_weights(const part_ref *r)
{
    const conv_key *k = &r->e->key;
    return k->c_in * k->c_out * k->g.kh * k->g.kw / r->e->n_parts;
}

static int heavier_first(const void *a, const void *b)
{
    int64_t wa = part_weights(a), wb = part_weights(b);
    return (wa < wb) - (wa > wb);
}

void lrp_dnnl_make_planned(lrp_dnnl *d, lrp_pool *pool)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    size_t n = 0;
    for (entry *e = d->entries; e; e = e->next)
        if (!e->made) {
            entry_plan(d, e);
            n += (size_t)e->n_parts;
        }
    part_ref *refs = n ? malloc(n * sizeof *refs) : NULL;
    if (refs) { /* else each is made on its first call, as without planning */
        size_t t = 0;
        for (entry *e = d->entries; e; e = e->next)
            for (int p = 0; !e->made && p < e->n_parts; p++)
                refs[t++] = (part_ref){e, p};
        qsort(refs, n, sizeof *refs, heavier_first);
        make_parts(d, refs, n, pool);
        free(refs);
    }
    pthread_mutex_unlock(&d->lock);
}

/* One conv call: the tensors, the round's first image and its scratch. */
typedef struct conv_call {
    lrp_dnnl *d;
    const entry *e;
    const float *a, *bias, *add; /* a: x or dy; add: the forward's residual operand */
    float *b;                    /* y, or dx */
    bool a_kept_blocked, b_kept_blocked, add_kept_blocked; /* forward: the caller's layouts */
    unsigned char *a_blk; /* the round's blocked copy of a (f32 or bf16) */
    float *b_blk;         /* and of b (blocked) */
    int64_t first;
    atomic_bool failed; /* set by any task */
} conv_call;

/* Task = image * n_a + t: channels of a into the blocked copy. */
static void a_task(void *ctx, int task)
{
    conv_call *c = ctx;
    const entry *e = c->e;
    int64_t img = task / e->n_a, t = task % e->n_a, c0 = e->a_c0[t];
    int64_t at = img * e->a_ch * e->a_hw + c0 * (e->inner == CHANNELS_LAST ? 1 : e->a_hw);
    const reorder *r = &e->a_in[t];
    arg args[2] = {{DNNL_ARG_FROM, r->plain,
                    c->a + ((c->first + img) * e->a_ch + c0) * e->a_hw},
                   {DNNL_ARG_TO, r->blocked, c->a_blk + (size_t)at * e->a_size}};
    runner *run = runner_take(c->d);
    int before = one_thread();
    if (!run || !execute(c->d, run, r->p, 2, args))
        c->failed = true;
    threads_back(before);
    runner_give(c->d, run);
}

/* Runs part p for image img of the round with r. */
static bool run_part(const conv_call *c, runner *r, const part *p, int64_t img)
{
    const entry *e = c->e;
    const conv_key *k = &e->key;
    int64_t image = c->first + img, off = p->c0 * e->b_hw;
    const void *a = e->a_blocked && !c->a_kept_blocked
                        ? (const void *)(c->a_blk +
                                         (size_t)(img * e->a_ch * e->a_hw) * e->a_size)
                        : (const void *)(c->a + image * e->a_ch * e->a_hw);
    /* b's channels [c0, c1) of the image, (N,C,H,W) or blocked: the same offset */
    float *mine = c->b + image * e->b_ch * e->b_hw + off;
    /* backward: into a copy, added into dx once every task has succeeded */
    bool copy = (e->b_blocked && !c->b_kept_blocked) || k->backward;
    float *tile = copy ? c->b_blk + img * e->b_ch * e->b_hw + off : mine;
    size_t count = (size_t)((p->c1 - p->c0) * e->b_hw);
    bool ok = true;
    const float *add = c->add ? c->add + image * e->b_ch * e->b_hw + off : NULL;
    if (add && p->add_in_tile) { /* into the tile, which the sum post-op adds to */
        arg args[2] = {{DNNL_ARG_FROM, p->add_in.plain, add},
                       {DNNL_ARG_TO, p->add_in.blocked, tile}};
        if (e->b_blocked && !c->add_kept_blocked)
            ok = execute(c->d, r, p->add_in.p, 2, args);
        else /* in the tile's layout already */
            memmove(tile, add, count * sizeof *tile);
    }
    size_t pad_bytes = dnnl_memory_desc_get_size(p->pad_md);
    void *scratchpad = pad_bytes ? runner_pad(r, pad_bytes) : NULL;
    if (ok && e->matmul && c->bias) /* b = W a + (add +) bias: the bias first */
        for (int64_t ch = 0; ch < p->c1 - p->c0; ch++)
            for (int64_t i = 0; i < e->b_hw; i++)
                tile[ch * e->b_hw + i] = (c->add ? tile[ch * e->b_hw + i] : 0.0f) +
                                         c->bias[p->c0 + ch];
    bool bwd_data = k->backward && !e->matmul;
    arg args[6] = {{bwd_data    ? DNNL_ARG_DIFF_DST
                    : e->matmul ? DNNL_ARG_WEIGHTS
                                : DNNL_ARG_SRC,
                    p->a_md, a},
                   {e->matmul ? DNNL_ARG_SRC : DNNL_ARG_WEIGHTS, p->w_md, p->w},
                   {bwd_data ? DNNL_ARG_DIFF_SRC : DNNL_ARG_DST, p->b_md, tile},
                   {DNNL_ARG_SCRATCHPAD, p->pad_md, scratchpad}};
    int n_args = 4;
    if (c->bias && !e->matmul)
        args[n_args++] = (arg){DNNL_ARG_BIAS, p->bias_md, c->bias + p->c0};
    if (add && !p->add_in_tile) /* post-op 0, in the tile's layout */
        args[n_args++] = (arg){DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, p->b_md,
                               add};
    ok = ok && (!pad_bytes || scratchpad) && execute(c->d, r, p->conv, n_args, args);
    if (ok && p->b_out.p && copy) {
        arg out[2] = {{DNNL_ARG_FROM, p->b_out.blocked, tile},
                      {DNNL_ARG_TO, p->b_out.plain, mine}};
        ok = execute(c->d, r, p->b_out.p, 2, out);
    }
    return ok;
}

/* Task = image * n_parts + t. */
static void part_task(void *ctx, int task)
{
    conv_call *c = ctx;
    runner *r = runner_take(c->d);
    int before = one_thread();
    if (!r || !run_part(c, r, &c->e->parts[task % c->e->n_parts], task / c->e->n_parts))
        c->failed = true;
    threads_back(before);
    runner_give(c->d, r);
}

/* dx (channels [c0, c1) of one image) += the tile, blocked or plain. */
static void add_tile(const entry *e, const part *p, const float *tile, float *dx)
{
    int64_t hw = e->b_hw, ch = p->c1 - p->c0;
    if (!e->b_blocked) {
        for (int64_t i = 0; i < ch * hw; i++)
            dx[i] += tile[i];
        return;
    }
    int64_t in = e->inner == CHANNELS_LAST ? ch : e->inner;
    /* 64 pixels at a time: a channels-last tile's rows stay in the cache */
    for (int64_t i0 = 0; i0 < hw; i0 += 64) {
        int64_t i1 = i0 + 64 < hw ? i0 + 64 : hw;
        for (int64_t c = 0; c < ch; c++) { /* blocked: (c / in, pixel, c % in) */
            const float *src = tile + c / in * hw * in + c % in;
            float *dst = dx + c * hw;
            for (int64_t i = i0; i < i1; i++)
                dst[i] += src[i * in];
        }
    }
}

/* Task = image * n_parts + t: backward, the tile into dx. */
static void add_task(void *ctx, int task)
{
    conv_call *c = ctx;
    const entry *e = c->e;
    const part *p = &e->parts[task % e->n_parts];
    int64_t img = task / e->n_parts, off = p->c0 * e->b_hw;
    add_tile(e, p, c->b_blk + img * e->b_ch * e->b_hw + off,
             c->b + (c->first + img) * e->b_ch * e->b_hw + off);
}

size_t lrp_dnnl_scratch_floats(const lrp_conv_shape *s)
{
    int64_t images = s->n < ROUND_MAX ? s->n : ROUND_MAX;
    return (size_t)(images *
                    (s->c_in * s->g.in_h * s->g.in_w + s->c_out * s->g.out_h * s->g.out_w));
}

/* Images done, in rounds: a round that fails has written nothing of
 * dx (backward adds only once no task can fail) and may have written
 * part of y, which the caller's fallback writes again. Planning: all,
 * once the entry is made (the OpenBLAS fallback has nothing to pack). */
static int64_t run(lrp_dnnl *d, const conv_key *k, const lrp_conv_shape *s, conv_call *c,
                   float *scratch, lrp_pool *pool, const lrp_conv_refill *refill)
{
    if (!d || s->group != 1 || s->n < 1)
        return planning ? s->n : 0;
    const entry *e = entry_for(d, k, pool, refill);
    if (planning)
        return s->n;
    if (!e || !e->ok)
        return 0;
    c->d = d;
    c->e = e;
    c->a_blk = (unsigned char *)scratch; /* bf16 takes half of its floats */
    c->b_blk = scratch + k->images * e->a_ch * e->a_hw;
    for (c->first = 0; c->first < s->n; c->first += k->images) {
        int64_t images = s->n - c->first < k->images ? s->n - c->first : k->images;
        if (e->n_a && !c->a_kept_blocked)
            lrp_pool_run(pool, (int)images * e->n_a, a_task, c);
        if (!c->failed)
            lrp_pool_run(pool, (int)images * e->n_parts, part_task, c);
        if (c->failed)
            return c->first;
        if (k->backward)
            lrp_pool_run(pool, (int)images * e->n_parts, add_task, c);
    }
    return s->n;
}

static void key_init(conv_key *k, const lrp_conv_shape *s, const float *w, bool backward)
{
    memset(k, 0, sizeof *k);
    k->backward = backward;
    k->w = w;
    k->c_in = s->c_in;
    k->c_out = s->c_out;
    k->images = s->n < ROUND_MAX ? s->n : ROUND_MAX;
    k->g = s->g;
}

static void forward_key(conv_key *k, const lrp_conv_shape *s, const float *w, bool bias,
                        const lrp_epilogue *epi)
{
    key_init(k, s, w, false);
    k->bias = bias;
    k->add = epi && epi->add;
    k->add_blocked = k->add && epi->add_blocked;
    k->relu = epi && epi->relu;
}

unsigned lrp_dnnl_conv_blockable(lrp_dnnl *d, const lrp_conv_shape *s, const float *w,
                                 bool bias, const lrp_epilogue *epi, lrp_pool *pool)
{
    if (!d || d->type != dnnl_f32 || s->group != 1 || s->n < 1)
        return 0; /* bf16 converts a at every conv: nothing to keep */
    conv_key k;
    forward_key(&k, s, w, bias, epi);
    k.add_blocked = k.add; /* the entry the forward runs when it keeps the operand blocked */
    const entry *e = entry_for(d, &k, pool, NULL);
    if (e && planning)
        return LRP_DNNL_X | LRP_DNNL_Y; /* named only: what it takes is known once made */
    if (!e || !e->ok)
        return 0;
    return (e->a_blocked ? LRP_DNNL_X : 0u) | (e->b_blocked ? LRP_DNNL_Y : 0u);
}

int64_t lrp_dnnl_conv_forward(lrp_dnnl *d, const lrp_conv_shape *s, const float *x,
                              const float *w, const float *b, float *y, const lrp_epilogue *epi,
                              float *scratch, lrp_pool *pool, const lrp_conv_refill *refill)
{
    conv_key k;
    forward_key(&k, s, w, b != NULL, epi);
    conv_call c = {.a = x, .bias = b, .add = k.add ? epi->add : NULL, .b = y};
    if (epi) {
        c.a_kept_blocked = epi->x_blocked;
        c.b_kept_blocked = epi->y_blocked;
        c.add_kept_blocked = epi->add_blocked;
    }
    return run(d, &k, s, &c, scratch, pool, refill);
}

int64_t lrp_dnnl_conv_backward_add(lrp_dnnl *d, const lrp_conv_shape *s, const float *dy,
                                   const float *w, float *dx, float *scratch, lrp_pool *pool,
                                   const lrp_conv_refill *refill)
{
    conv_key k;
    key_init(&k, s, w, true);
    conv_call c = {.a = dy, .b = dx};
    return run(d, &k, s, &c, scratch, pool, refill);
}
