/* Tests for src/io/npy.c: write/read round trips, numpy-identical headers,
 * hand-made headers, and rejection of malformed or hostile files.
 * Usage: test_npy [scratch-dir]   (default ".") */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"

#include "check.h"

static const char *scratch = ".";

/* name inside the scratch directory, in the caller's buf[1024] */
static const char *scratch_path(char *buf, const char *name)
{
    snprintf(buf, 1024, "%s/%s", scratch, name);
    return buf;
}

/* Whole file into a malloc'd buffer; *n gets its size. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = malloc(1 << 20);
    *n = 0;
    if (f && b)
        *n = fread(b, 1, 1 << 20, f);
    if (f)
        fclose(f);
    return b;
}

static int is_zeroed(const lrp_npy *a)
{
    lrp_npy z;
    memset(&z, 0, sizeof z);
    return memcmp(a, &z, sizeof z) == 0;
}

/* ------------------------------------------------------------ round trips */

/* Write, check the header layout on disk, read back, compare. */
static void round_trip(const char *name, int dtype, int rank, const int64_t *dims,
                       const void *data, size_t count)
{
    char pbuf[1024];
    const char *path = scratch_path(pbuf, name);
    size_t elem = lrp_npy_dtype_size(dtype), n;
    lrp_error err = {LRP_OK, ""};
    lrp_npy a;
    EXPECT(lrp_npy_write(path, dtype, rank, dims, data, &err) == LRP_OK);

    unsigned char *bytes = slurp(path, &n);
    size_t total = n >= 10 ? 10 + (size_t)(bytes[8] | bytes[9] << 8) : 0;
    EXPECT(total > 10 && total % 64 == 0 && total <= n);
    EXPECT(total > 10 && total <= n && bytes[total - 1] == '\n');
    EXPECT(n == total + count * elem);
    EXPECT(n >= 10 && memcmp(bytes, "\x93NUMPY\x01\x00", 8) == 0);
    free(bytes);

    EXPECT(lrp_npy_read(path, &a, &err) == LRP_OK);
    EXPECT(a.dtype == dtype && a.rank == rank && a.count == count);
    EXPECT(a.data != NULL);
    for (int i = 0; i < rank && i < LRP_NPY_MAX_RANK; i++)
        EXPECT(a.dims[i] == dims[i]);
    if (a.data && count)
        EXPECT(memcmp(a.data, data, count * elem) == 0);
    lrp_npy_free(&a);
    EXPECT(is_zeroed(&a));
    remove(path);
}

static void test_round_trips(void)
{
    float f[60];
    int64_t q[16] = {0, -1, 1, INT64_MAX, INT64_MIN, 42, 7, -7};
    for (int i = 0; i < 60; i++)
        f[i] = (float)i * 0.5f - 3.25f;
    int64_t d4[] = {1, 3, 4, 5}, d1[] = {8}, dz[] = {0, 5};
    int64_t d8[] = {2, 1, 2, 1, 2, 1, 2, 1}, d2[] = {3, 20};
    float scalar = 1.5f;
    round_trip("test_npy_f4r4.npy", LRP_NPY_FLOAT32, 4, d4, f, 60);
    round_trip("test_npy_f4r2.npy", LRP_NPY_FLOAT32, 2, d2, f, 60);
    round_trip("test_npy_i8r1.npy", LRP_NPY_INT64, 1, d1, q, 8);
    round_trip("test_npy_i8r8.npy", LRP_NPY_INT64, 8, d8, q, 16);
    round_trip("test_npy_f4r0.npy", LRP_NPY_FLOAT32, 0, NULL, &scalar, 1);
    round_trip("test_npy_f4zero.npy", LRP_NPY_FLOAT32, 2, dz, NULL, 0);
}

/* The exact bytes np.save (numpy 1.24) writes for float32 (1, 3, 64, 64). */
static void test_numpy_identical_header(void)
{
    static const char dict[] =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 64, 64), }";
    char pbuf[1024];
    const char *path = scratch_path(pbuf, "test_npy_hdr.npy");
    int64_t dims[] = {1, 3, 64, 64};
    float *zeros = calloc(3 * 64 * 64, sizeof *zeros);
    lrp_error err = {LRP_OK, ""};
    size_t n, len = strlen(dict);
    EXPECT(lrp_npy_write(path, LRP_NPY_FLOAT32, 4, dims, zeros, &err) == LRP_OK);
    unsigned char *b = slurp(path, &n);
    EXPECT(n == 128 + 3 * 64 * 64 * 4);
    EXPECT(b[8] == 118 && b[9] == 0);
    EXPECT(memcmp(b + 10, dict, len) == 0);
    for (size_t i = 10 + len; i < 127; i++)
        EXPECT(b[i] == ' ');
    EXPECT(b[127] == '\n');
    free(b);
    free(zeros);
    remove(path);
}

/* Overwriting an existing file replaces it (rename over the old one). */
static void test_overwrite(void)
{
    char pbuf[1024];
    const char *path = scratch_path(pbuf, "test_npy_over.npy");
    int64_t d1[] = {2}, d2[] = {3};
    int64_t v[] = {5, 6, 7};
    lrp_error err = {LRP_OK, ""};
    lrp_npy a;
    EXPECT(lrp_npy_write(path, LRP_NPY_INT64, 1, d1, v, &err) == LRP_OK);
    EXPECT(lrp_npy_write(path, LRP_NPY_INT64, 1, d2, v, &err) == LRP_OK);
    EXPECT(lrp_npy_read(path, &a, &err) == LRP_OK);
    EXPECT(a.count == 3 && ((int64_t *)a.data)[2] == 7);
    lrp_npy_free(&a);
    remove(path);
}

/* ------------------------------------------------- hand-made byte buffers */

/* Preamble for format major.0 + header text + data; returns total size. */
static size_t build(unsigned char *buf, int major, const char *header, const void *data,
                    size_t ndata)
{
    size_t hl = strlen(header), off = major == 1 ? 10 : 12;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    for (size_t i = 8; i < off; i++)
        buf[i] = (unsigned char)(hl >> (8 * (i - 8)));
    memcpy(buf + off, header, hl);
    memcpy(buf + off + hl, data, ndata);
    return off + hl + ndata;
}

/* Parse from an exact-size heap copy so the sanitizer sees any overrun. */
static lrp_status parse(const unsigned char *bytes, size_t n, lrp_npy *a, lrp_error *err)
{
    unsigned char *copy = malloc(n ? n : 1);
    memcpy(copy, bytes, n);
    lrp_status st = lrp_npy_read_mem(copy, n, a, "x.npy", err);
    free(copy);
    return st;
}

static const float six[6] = {1, 2, 3, 4, 5, 6};

static void expect_ok(int major, const char *header, int rank, int64_t d0, int64_t d1,
                      int dtype)
{
    unsigned char buf[1024];
    size_t n = build(buf, major, header, six, sizeof six);
    lrp_error err = {LRP_OK, ""};
    lrp_npy a;
    lrp_status st = parse(buf, n, &a, &err);
    if (st)
        fprintf(stderr, "unexpected failure for %s: %s\n", header, err.message);
    EXPECT(st == LRP_OK);
    EXPECT(a.rank == rank && a.dtype == dtype);
    EXPECT(rank < 1 || a.dims[0] == d0);
    EXPECT(rank < 2 || a.dims[1] == d1);
    if (st == LRP_OK && dtype == LRP_NPY_FLOAT32)
        EXPECT(memcmp(a.data, six, a.count * 4) == 0);
    lrp_npy_free(&a);
}

static void test_accepted_headers(void)
{
    expect_ok(2, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", 2, 2, 3,
              LRP_NPY_FLOAT32);
    expect_ok(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }\n", 1, 6, 0,
              LRP_NPY_FLOAT32);
    expect_ok(1, "  {  \"descr\" :\"<f4\" ,'shape':( 2 ,3 , ) ,\t'fortran_order' :False , }\n",
              2, 2, 3, LRP_NPY_FLOAT32);
    expect_ok(1, "{'fortran_order':False,'descr':'|f4','shape':(3,2)}   \n\n", 2, 3, 2,
              LRP_NPY_FLOAT32);
    expect_ok(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3L,), }", 1, 3, 0,
              LRP_NPY_INT64);
    expect_ok(1, "{'descr': '=f4', 'fortran_order': False, 'shape': (), }", 0, 0, 0,
              LRP_NPY_FLOAT32);
    expect_ok(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 99999999999), }", 2, 0,
              99999999999, LRP_NPY_FLOAT32);
}

/* Trailing bytes after the data are ignored. */
static void test_trailing_garbage(void)
{
    unsigned char buf[256];
    size_t n = build(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", six,
                     sizeof six);
    lrp_error err = {LRP_OK, ""};
    lrp_npy a;
    EXPECT(parse(buf, n, &a, &err) == LRP_OK);
    EXPECT(a.count == 2 && ((float *)a.data)[1] == 2.0f);
    lrp_npy_free(&a);
}

/* Fails with 'status', a message containing 'needle', and a zeroed *out. */
static void expect_fail_bytes(const unsigned char *buf, size_t n, lrp_status status,
                              const char *needle, const char *label)
{
    lrp_error err = {LRP_OK, ""};
    lrp_npy a;
    memset(&a, 0x5a, sizeof a);
    lrp_status st = parse(buf, n, &a, &err);
    if (st != status || !strstr(err.message, needle))
        fprintf(stderr, "%s: got status %d, message \"%s\" (want %d, \"%s\")\n", label, (int)st,
                err.message, (int)status, needle);
    EXPECT(st == status);
    EXPECT(err.status == status);
    EXPECT(strstr(err.message, needle) != NULL);
    EXPECT(is_zeroed(&a));
}

static void expect_fail(const char *header, size_t ndata, lrp_status status, const char *needle)
{
    unsigned char buf[1024];
    size_t n = build(buf, 1, header, six, ndata);
    expect_fail_bytes(buf, n, status, needle, header);
}

#define HDR(descr, fortran, shape)                                                             \
    "{'descr': '" descr "', 'fortran_order': " fortran ", 'shape': " shape ", }"

static void test_rejected_headers(void)
{
    expect_fail(HDR("<f8", "False", "(3,)"), 24, LRP_ERR_UNSUPPORTED,
                "x.npy: dtype '<f8' is not supported");
    expect_fail(HDR(">f4", "False", "(3,)"), 12, LRP_ERR_UNSUPPORTED, "big-endian");
    expect_fail(HDR("<i4", "False", "(3,)"), 12, LRP_ERR_UNSUPPORTED, "'<i4'");
    expect_fail(HDR("<f4", "True", "(2, 3)"), 24, LRP_ERR_UNSUPPORTED, "fortran_order");
    expect_fail(HDR("<f4", "False", "(-1, 3)"), 24, LRP_ERR_PARSE, "negative");
    expect_fail(HDR("<f4", "False", "(4611686018427387904, 8)"), 24, LRP_ERR_LIMIT,
                "too large");
    expect_fail(HDR("<f4", "False", "(4611686018427387904,)"), 24, LRP_ERR_LIMIT, "too large");
    expect_fail(HDR("<f4", "False", "(99999999999999999999,)"), 24, LRP_ERR_LIMIT, "int64");
    expect_fail(HDR("<f4", "False", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"), 4, LRP_ERR_LIMIT,
                "more than 8");
    expect_fail(HDR("<f4", "False", "[2, 3]"), 24, LRP_ERR_PARSE, "not a tuple");
    expect_fail(HDR("<f4", "False", "(3)"), 12, LRP_ERR_PARSE, "not a tuple");
    expect_fail(HDR("<f4", "False", "6"), 24, LRP_ERR_PARSE, "not a tuple");
    expect_fail(HDR("<f4", "False", "(2, 3)"), 20, LRP_ERR_PARSE, "24 bytes, 20 present");
    expect_fail("{'descr': '<f4', 'shape': (3,)}", 12, LRP_ERR_PARSE, "'fortran_order'");
    expect_fail("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 12,
                LRP_ERR_PARSE, "duplicate");
    expect_fail("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", 12,
                LRP_ERR_PARSE, "unexpected key 'x'");
    expect_fail("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}", 12,
                LRP_ERR_UNSUPPORTED, "structured");
    expect_fail("{'descr': '<f4, 'fortran_order': False, 'shape': (3,)}", 12, LRP_ERR_PARSE,
                "malformed");
    expect_fail(HDR("<f4", "False", "(3,)") " junk", 12, LRP_ERR_PARSE, "end of header");
    expect_fail(HDR("<f4", "Maybe", "(3,)"), 12, LRP_ERR_PARSE, "True or False");
    expect_fail("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", 12, LRP_ERR_PARSE,
                "malformed");
    expect_fail("", 0, LRP_ERR_PARSE, "expected '{'");
}

static void test_rejected_preambles(void)
{
    unsigned char buf[256];
    size_t n = build(buf, 1, HDR("<f4", "False", "(3,)"), six, 12);
    buf[5] = 'Z';
    expect_fail_bytes(buf, n, LRP_ERR_PARSE, "bad magic", "wrong magic");
    expect_fail_bytes(buf, 0, LRP_ERR_PARSE, "bad magic", "empty");
    buf[5] = 'Y';
    expect_fail_bytes(buf, 9, LRP_ERR_PARSE, "truncated", "short preamble");
    expect_fail_bytes(buf, 40, LRP_ERR_PARSE, "bytes expected", "truncated header");
    buf[6] = 4;
    expect_fail_bytes(buf, n, LRP_ERR_UNSUPPORTED, "version 4.0", "version 4");
    buf[6] = 1;
    buf[7] = 1;
    expect_fail_bytes(buf, n, LRP_ERR_UNSUPPORTED, "version 1.1", "version 1.1");
    n = build(buf, 2, HDR("<f4", "False", "(3,)"), six, 12);
    buf[11] = 0x7f; /* v2 header length near 2 GiB */
    expect_fail_bytes(buf, n, LRP_ERR_LIMIT, "exceeds", "huge v2 header");
}

/* Every prefix of a valid file and many single-byte corruptions must fail
 * or succeed cleanly; the sanitizers catch any out-of-bounds access. */
static void test_mutations(void)
{
    static const unsigned char subst[] = {0, ' ', '(', ')', ',', '\'', '9', '-', 0xff};
    unsigned char buf[256], m[256];
    size_t n = build(buf, 2, HDR("<f4", "False", "(2, 3)"), six, sizeof six);
    lrp_error err;
    lrp_npy a;
    for (size_t len = 0; len < n; len++)
        EXPECT(parse(buf, len, &a, &err) != LRP_OK && is_zeroed(&a));
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof subst; k++) {
            memcpy(m, buf, n);
            m[i] = subst[k];
            if (parse(m, n, &a, &err) == LRP_OK)
                EXPECT(a.data != NULL && a.count * 4 <= n);
            lrp_npy_free(&a);
        }
    }
}

/* ------------------------------------------------------------ file errors */

static void test_file_errors(void)
{
    char dbuf[1024], pbuf[1024];
    const char *bad_dir = scratch_path(dbuf, "no-such-dir-for-test-npy/out.npy");
    const char *path = scratch_path(pbuf, "test_npy_trunc.npy");
    int64_t dims[] = {2, 3}, neg[] = {-2};
    lrp_error err = {LRP_OK, ""};
    lrp_npy a;

    EXPECT(lrp_npy_write(bad_dir, LRP_NPY_FLOAT32, 2, dims, six, &err) == LRP_ERR_IO);
    EXPECT(strstr(err.message, bad_dir) != NULL);
    EXPECT(lrp_npy_read(bad_dir, &a, &err) == LRP_ERR_IO && is_zeroed(&a));
    EXPECT(strstr(err.message, bad_dir) != NULL);

    EXPECT(lrp_npy_write(path, 3, 2, dims, six, &err) == LRP_ERR_ARG);
    EXPECT(lrp_npy_write(path, LRP_NPY_FLOAT32, 1, neg, six, &err) == LRP_ERR_ARG);
    EXPECT(lrp_npy_write(path, LRP_NPY_FLOAT32, 9, dims, six, &err) == LRP_ERR_ARG);
    EXPECT(lrp_npy_write(path, LRP_NPY_FLOAT32, 2, dims, NULL, &err) == LRP_ERR_ARG);

    /* A file cut short on disk: data check happens before allocation. */
    unsigned char buf[256];
    size_t n = build(buf, 1, HDR("<f4", "False", "(2, 3)"), six, 10);
    FILE *f = fopen(path, "wb");
    EXPECT(f != NULL);
    if (f) {
        fwrite(buf, 1, n, f);
        fclose(f);
    }
    EXPECT(lrp_npy_read(path, &a, &err) == LRP_ERR_PARSE && is_zeroed(&a));
    EXPECT(strstr(err.message, "24 bytes, 10 present") != NULL);
    EXPECT(strstr(err.message, path) != NULL);
    remove(path);

    /* A directory is not a .npy file. */
    EXPECT(lrp_npy_read(scratch, &a, &err) != LRP_OK && is_zeroed(&a));
    lrp_npy_free(NULL);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        scratch = argv[1];
    test_round_trips();
    test_numpy_identical_header();
    test_overwrite();
    test_accepted_headers();
    test_trailing_garbage();
    test_rejected_headers();
    test_rejected_preambles();
    test_mutations();
    test_file_errors();
    printf("test_npy: %s\n", failures ? "failed" : "all checks passed");
    return check_finish();
}
