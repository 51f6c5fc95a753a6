/* NumPy .npy reader and writer. Input is untrusted: every length stated in a
 * file is checked against the bytes really present before it is used, and
 * nothing is allocated before that check. */
#include "io/npy.h"
#include "io/atomic_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64         /* numpy aligns preamble + header to this */
#define NPY_GROWTH_DIGITS 21 /* numpy's spare room for shape[0] to grow in place */
#define NPY_SHAPE_CAP 256    /* fits "(" + 8 * "-9223372036854775808, " + ")" */

/* ---------------------------------------------------------------- helpers */

size_t lrp_npy_dtype_size(int dtype)
{
    switch (dtype) {
    case LRP_NPY_FLOAT32: return 4;
    case LRP_NPY_INT64: return 8;
    default: return 0;
    }
}

static const char *dtype_name(int dtype)
{
    return dtype == LRP_NPY_FLOAT32 ? "float32" : "int64";
}

static int host_is_little(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Reverse the bytes of each of 'count' elements of 'size' bytes; only used
 * on big-endian hosts, since files are always little-endian. */
static void swap_bytes(unsigned char *p, size_t size, size_t count)
{
    for (size_t i = 0; i < count; i++, p += size) {
        for (size_t a = 0, b = size - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
    }
}

/* Python repr of a shape tuple into buf[NPY_SHAPE_CAP]:
 * "()", "(3,)", "(1, 3, 64, 64)". */
static const char *shape_repr(char *buf, int rank, const int64_t *dims)
{
    size_t n = 0;
    buf[n++] = '(';
    for (int i = 0; i < rank; i++) {
        int w = snprintf(buf + n, NPY_SHAPE_CAP - n, "%s%" PRId64, i ? ", " : "", dims[i]);
        n += (size_t)(w > 0 ? w : 0);
    }
    if (rank == 1)
        buf[n++] = ',';
    buf[n++] = ')';
    buf[n] = '\0';
    return buf;
}

/* Element count and byte size of a shape with non-negative dims; fails if
 * either overflows size_t. A zero dim makes the product 0 whatever else. */
static lrp_status shape_size(int rank, const int64_t *dims, size_t elem, size_t *count,
                             size_t *nbytes, const char *what, lrp_error *err)
{
    size_t n = 1;
    int zero = 0, over = 0;
    for (int i = 0; i < rank; i++)
        zero |= dims[i] == 0;
    for (int i = 0; i < rank && !zero && !over; i++) {
        if ((uint64_t)dims[i] > SIZE_MAX / n)
            over = 1;
        else
            n *= (size_t)dims[i];
    }
    if (zero)
        n = 0;
    if (over || n > SIZE_MAX / elem) {
        char s[NPY_SHAPE_CAP];
        return lrp_error_set(err, LRP_ERR_LIMIT,
                             "%s: shape %s is too large (byte size overflows)", what,
                             shape_repr(s, rank, dims));
    }
    *count = n;
    *nbytes = n * elem;
    return LRP_OK;
}

/* ------------------------------------------------------- header parsing */

/* Cursor over the header text [start, end); it is not NUL-terminated. */
typedef struct npy_cur {
    const char *start, *p, *end;
    const char *what;
    lrp_error *err;
} npy_cur;

/* What the dict said; descr points into the header text. */
typedef struct npy_hdr {
    const char *descr;
    size_t descr_len;
    int fortran;
    int seen; /* bit set of SEEN_* */
} npy_hdr;

enum { SEEN_DESCR = 1, SEEN_FORTRAN = 2, SEEN_SHAPE = 4 };

static lrp_status syntax(const npy_cur *c, const char *expected)
{
    return lrp_error_set(c->err, LRP_ERR_PARSE,
                         "%s: malformed .npy header: expected %s at header offset %zu", c->what,
                         expected, (size_t)(c->p - c->start));
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static void skip_ws(npy_cur *c)
{
    while (c->p < c->end && is_space(*c->p))
        c->p++;
}

/* Skip whitespace, then consume 'ch' if it comes next. */
static int eat(npy_cur *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* Skip whitespace, then consume the word 'w' if it comes next. */
static int eat_word(npy_cur *c, const char *w)
{
    size_t n = strlen(w);
    skip_ws(c);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

/* A Python string literal in ' or " quotes. Only printable ASCII without
 * escapes is accepted, which keeps it safe to quote in messages. */
static lrp_status parse_str(npy_cur *c, const char **s, size_t *n)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return syntax(c, "a quoted string");
    char quote = *c->p++;
    const char *begin = c->p;
    for (; c->p < c->end && *c->p != quote; c->p++) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch < 0x20 || ch > 0x7e || ch == '\\')
            return syntax(c, "plain printable ASCII in string");
    }
    if (c->p >= c->end)
        return syntax(c, "a closing quote");
    *s = begin;
    *n = (size_t)(c->p - begin);
    c->p++;
    return LRP_OK;
}

/* A Python int literal: optional '-', digits, optional Python 2 'L'. */
static lrp_status parse_int(npy_cur *c, int64_t *v)
{
    int neg = 0;
    uint64_t m = 0;
    skip_ws(c);
    if (c->p < c->end && *c->p == '-') {
        neg = 1;
        c->p++;
    }
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return syntax(c, "an integer");
    for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
        unsigned d = (unsigned)(*c->p - '0');
        if (m > ((uint64_t)INT64_MAX - d) / 10)
            return lrp_error_set(c->err, LRP_ERR_LIMIT,
                                 "%s: dimension in .npy shape exceeds int64", c->what);
        m = m * 10 + d;
    }
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l'))
        c->p++;
    *v = neg ? -(int64_t)m : (int64_t)m;
    return LRP_OK;
}

/* Shape tuple: "()", "(3,)", "(1, 3, 64, 64)" with optional trailing
 * comma. "(3)" is a plain int in Python, so it is not a tuple. */
static lrp_status parse_shape(npy_cur *c, lrp_npy *a)
{
    int commas = 0;
    skip_ws(c);
    if (!eat(c, '('))
        return lrp_error_set(c->err, LRP_ERR_PARSE, "%s: .npy header 'shape' is not a tuple",
                             c->what);
    while (!eat(c, ')')) {
        if (a->rank == LRP_NPY_MAX_RANK)
            return lrp_error_set(c->err, LRP_ERR_LIMIT,
                                 "%s: .npy shape has more than %d dimensions", c->what,
                                 LRP_NPY_MAX_RANK);
        lrp_status st = parse_int(c, &a->dims[a->rank++]);
        if (st)
            return st;
        if (eat(c, ',')) {
            commas++;
            continue;
        }
        if (!eat(c, ')'))
            return syntax(c, "',' or ')' in shape");
        break;
    }
    if (a->rank == 1 && commas == 0)
        return lrp_error_set(c->err, LRP_ERR_PARSE,
                             "%s: .npy header 'shape' is not a tuple "
                             "(one-element tuples need a trailing comma)",
                             c->what);
    return LRP_OK;
}

static int key_is(const char *k, size_t n, const char *name)
{
    return n == strlen(name) && memcmp(k, name, n) == 0;
}

/* The value after "key:"; records it in h (descr, fortran) or a (shape). */
static lrp_status parse_value(npy_cur *c, const char *k, size_t kn, npy_hdr *h, lrp_npy *a)
{
    int bit = key_is(k, kn, "descr")           ? SEEN_DESCR
              : key_is(k, kn, "fortran_order") ? SEEN_FORTRAN
              : key_is(k, kn, "shape")         ? SEEN_SHAPE
                                               : 0;
    if (!bit)
        return lrp_error_set(c->err, LRP_ERR_PARSE, "%s: unexpected key '%.*s' in .npy header",
                             c->what, (int)(kn > 32 ? 32 : kn), k);
    if (h->seen & bit)
        return lrp_error_set(c->err, LRP_ERR_PARSE, "%s: duplicate key '%.*s' in .npy header",
                             c->what, (int)kn, k);
    h->seen |= bit;
    if (bit == SEEN_SHAPE)
        return parse_shape(c, a);
    if (bit == SEEN_FORTRAN) {
        if (eat_word(c, "True"))
            h->fortran = 1;
        else if (!eat_word(c, "False"))
            return syntax(c, "True or False");
        return LRP_OK;
    }
    if (eat(c, '['))
        return lrp_error_set(c->err, LRP_ERR_UNSUPPORTED,
                             "%s: structured dtypes are not supported", c->what);
    return parse_str(c, &h->descr, &h->descr_len);
}

/* The whole dict "{key: value, ...}" followed only by spaces/newline/NUL. */
static lrp_status parse_dict(npy_cur *c, npy_hdr *h, lrp_npy *a)
{
    static const char *names[] = {"descr", "fortran_order", "shape"};
    if (!eat(c, '{'))
        return syntax(c, "'{'");
    while (!eat(c, '}')) {
        const char *k;
        size_t kn;
        lrp_status st = parse_str(c, &k, &kn);
        if (!st && !eat(c, ':'))
            st = syntax(c, "':'");
        if (!st)
            st = parse_value(c, k, kn, h, a);
        if (st)
            return st;
        if (eat(c, ','))
            continue;
        if (!eat(c, '}'))
            return syntax(c, "',' or '}'");
        break;
    }
    while (c->p < c->end && (is_space(*c->p) || *c->p == '\0'))
        c->p++;
    if (c->p != c->end)
        return syntax(c, "end of header after '}'");
    for (int i = 0; i < 3; i++)
        if (!(h->seen & (1 << i)))
            return lrp_error_set(c->err, LRP_ERR_PARSE, "%s: .npy header lacks key '%s'",
                                 c->what, names[i]);
    return LRP_OK;
}

/* '<f4' / '<i8'; '|' too, and '=' (native) when this host is little-endian. */
static lrp_status descr_dtype(const npy_hdr *h, int *dtype, const char *what, lrp_error *err)
{
    const char *s = h->descr;
    int n = (int)(h->descr_len > 32 ? 32 : h->descr_len);
    if (h->descr_len == 3) {
        int type = memcmp(s + 1, "f4", 2) == 0   ? LRP_NPY_FLOAT32
                   : memcmp(s + 1, "i8", 2) == 0 ? LRP_NPY_INT64
                                                 : 0;
        int little = s[0] == '<' || s[0] == '|' || (s[0] == '=' && host_is_little());
        if (type && little) {
            *dtype = type;
            return LRP_OK;
        }
        if (type && (s[0] == '>' || s[0] == '='))
            return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                                 "%s: dtype '%.*s' is big-endian (need little-endian "
                                 "float32 '<f4' or int64 '<i8')",
                                 what, n, s);
    }
    return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                         "%s: dtype '%.*s' is not supported (need float32 '<f4' "
                         "or int64 '<i8')",
                         what, n, s);
}

/* Header text -> out's dtype, rank, dims, count; *nbytes = data size. */
static lrp_status parse_header(const char *text, size_t len, lrp_npy *out, size_t *nbytes,
                               const char *what, lrp_error *err)
{
    npy_cur c = {text, text, text + len, what, err};
    npy_hdr h = {NULL, 0, 0, 0};
    char s[NPY_SHAPE_CAP];
    lrp_status st = parse_dict(&c, &h, out);
    if (!st)
        st = descr_dtype(&h, &out->dtype, what, err);
    if (st)
        return st;
    if (h.fortran)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "%s: fortran_order True is not supported (need C order)", what);
    for (int i = 0; i < out->rank; i++)
        if (out->dims[i] < 0)
            return lrp_error_set(err, LRP_ERR_PARSE, "%s: negative dimension in shape %s", what,
                                 shape_repr(s, out->rank, out->dims));
    return shape_size(out->rank, out->dims, lrp_npy_dtype_size(out->dtype), &out->count, nbytes,
                      what, err);
}

/* Magic and version from the first n bytes (n may be short). Gives the
 * header offset and its stated, not yet verified, length. */
static lrp_status parse_preamble(const unsigned char *b, size_t n, size_t *hoff, size_t *hlen,
                                 const char *what, lrp_error *err)
{
    if (n < NPY_MAGIC_LEN || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return lrp_error_set(err, LRP_ERR_PARSE, "%s: not a .npy file (bad magic)", what);
    if (n < 8)
        return lrp_error_set(err, LRP_ERR_PARSE, "%s: truncated .npy preamble", what);
    if (b[6] < 1 || b[6] > 3 || b[7] != 0)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "%s: .npy format version %d.%d is not supported", what, b[6],
                             b[7]);
    *hoff = b[6] == 1 ? 10 : 12; /* v1: uint16 length, v2/v3: uint32 */
    if (n < *hoff)
        return lrp_error_set(err, LRP_ERR_PARSE, "%s: truncated .npy preamble", what);
    *hlen = (size_t)b[8] | (size_t)b[9] << 8;
    if (*hoff == 12)
        *hlen |= (size_t)b[10] << 16 | (size_t)b[11] << 24;
    if (*hlen > LRP_NPY_MAX_HEADER)
        return lrp_error_set(err, LRP_ERR_LIMIT,
                             "%s: .npy header of %zu bytes exceeds the limit of %u", what,
                             *hlen, (unsigned)LRP_NPY_MAX_HEADER);
    return LRP_OK;
}

static lrp_status check_header_len(size_t hlen, size_t avail, const char *what, lrp_error *err)
{
    if (hlen <= avail)
        return LRP_OK;
    return lrp_error_set(err, LRP_ERR_PARSE,
                         "%s: truncated .npy header: %zu bytes expected, %zu present", what,
                         hlen, avail);
}

/* Refuse to allocate more than the source really holds. */
static lrp_status check_data_len(const lrp_npy *a, size_t nbytes, size_t avail,
                                 const char *what, lrp_error *err)
{
    char s[NPY_SHAPE_CAP];
    if (nbytes <= avail)
        return LRP_OK;
    return lrp_error_set(err, LRP_ERR_PARSE,
                         "%s: truncated .npy data: %s %s needs %zu bytes, %zu present", what,
                         dtype_name(a->dtype), shape_repr(s, a->rank, a->dims), nbytes, avail);
}

/* Never NULL on success, even for zero elements, so callers need no case. */
static lrp_status alloc_data(lrp_npy *a, size_t nbytes, const char *what, lrp_error *err)
{
    a->data = malloc(nbytes ? nbytes : 1);
    if (!a->data)
        return lrp_error_set(err, LRP_ERR_NOMEM, "%s: out of memory allocating %zu bytes", what,
                             nbytes);
    return LRP_OK;
}

/* --------------------------------------------------------------- reading */

void lrp_npy_free(lrp_npy *npy)
{
    if (!npy)
        return;
    free(npy->data);
    memset(npy, 0, sizeof *npy);
}

lrp_status lrp_npy_read_mem(const void *buf, size_t size, lrp_npy *out, const char *what,
                            lrp_error *err)
{
    const unsigned char *b = buf;
    size_t hoff = 0, hlen = 0, nbytes = 0;
    if (!what)
        what = "<memory>";
    if (!out || (!buf && size))
        return lrp_error_set(err, LRP_ERR_ARG, "%s: lrp_npy_read_mem: NULL argument", what);
    memset(out, 0, sizeof *out);
    lrp_status st = parse_preamble(b, size, &hoff, &hlen, what, err);
    if (!st)
        st = check_header_len(hlen, size - hoff, what, err);
    if (!st)
        st = parse_header((const char *)b + hoff, hlen, out, &nbytes, what, err);
    if (!st)
        st = check_data_len(out, nbytes, size - hoff - hlen, what, err);
    if (!st)
        st = alloc_data(out, nbytes, what, err);
    if (st) {
        lrp_npy_free(out);
        return st;
    }
    memcpy(out->data, b + hoff + hlen, nbytes);
    if (!host_is_little())
        swap_bytes(out->data, lrp_npy_dtype_size(out->dtype), out->count);
    return LRP_OK;
}

/* Size of an open file; the position is left wherever. */
static lrp_status file_size(FILE *f, size_t *size, const char *path, lrp_error *err)
{
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (n < 0)
        return lrp_error_set(err, LRP_ERR_IO, "%s: cannot determine file size: %s", path,
                             strerror(errno));
    *size = (size_t)n;
    return LRP_OK;
}

/* Read exactly n bytes at offset off (off is within the file size). */
static lrp_status read_at(FILE *f, size_t off, void *dst, size_t n, const char *path,
                          lrp_error *err)
{
    errno = 0;
    if (fseek(f, (long)off, SEEK_SET) != 0)
        return lrp_error_set(err, LRP_ERR_IO, "%s: seek failed: %s", path, strerror(errno));
    if (fread(dst, 1, n, f) == n)
        return LRP_OK;
    if (ferror(f))
        return lrp_error_set(err, LRP_ERR_IO, "%s: read error: %s", path, strerror(errno));
    return lrp_error_set(err, LRP_ERR_IO, "%s: file shrank while reading", path);
}

/* Same steps as lrp_npy_read_mem, but reading only what each step needs. */
static lrp_status read_file(FILE *f, const char *path, lrp_npy *out, lrp_error *err)
{
    unsigned char pre[12];
    size_t fsize = 0, npre, hoff = 0, hlen = 0, nbytes = 0;
    char *text;
    lrp_status st = file_size(f, &fsize, path, err);
    npre = fsize < sizeof pre ? fsize : sizeof pre;
    if (!st)
        st = read_at(f, 0, pre, npre, path, err);
    if (!st)
        st = parse_preamble(pre, npre, &hoff, &hlen, path, err);
    if (!st)
        st = check_header_len(hlen, fsize - hoff, path, err);
    if (st)
        return st;
    if (!(text = malloc(hlen ? hlen : 1)))
        return lrp_error_set(err, LRP_ERR_NOMEM, "%s: out of memory", path);
    st = read_at(f, hoff, text, hlen, path, err);
    if (!st)
        st = parse_header(text, hlen, out, &nbytes, path, err);
    free(text);
    if (!st)
        st = check_data_len(out, nbytes, fsize - hoff - hlen, path, err);
    if (!st)
        st = alloc_data(out, nbytes, path, err);
    if (!st)
        st = read_at(f, hoff + hlen, out->data, nbytes, path, err);
    if (!st && !host_is_little())
        swap_bytes(out->data, lrp_npy_dtype_size(out->dtype), out->count);
    return st;
}

lrp_status lrp_npy_read(const char *path, lrp_npy *out, lrp_error *err)
{
    if (!path || !out)
        return lrp_error_set(err, LRP_ERR_ARG, "lrp_npy_read: NULL argument");
    memset(out, 0, sizeof *out);
    errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return lrp_error_set(err, LRP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    lrp_status st = read_file(f, path, out, err);
    fclose(f);
    if (st)
        lrp_npy_free(out);
    return st;
}

/* --------------------------------------------------------------- writing */

/* numpy-identical header (np.save, format 1.0): magic, version, uint16
 * length, the dict, numpy's growth spaces, padding to a multiple of 64
 * (a whole extra 64 when already aligned, as numpy does), '\n'.
 * buf needs 512 bytes; returns the total size including the preamble. */
static size_t format_header(char *buf, int dtype, int rank, const int64_t *dims)
{
    char s[NPY_SHAPE_CAP];
    int growth = rank > 0 ? NPY_GROWTH_DIGITS - snprintf(NULL, 0, "%" PRId64, dims[0]) : 0;
    int w = snprintf(buf + 10, 400, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }%*s",
                     dtype == LRP_NPY_FLOAT32 ? "<f4" : "<i8", shape_repr(s, rank, dims),
                     growth, "");
    size_t n = 10 + (size_t)w;
    size_t pad = NPY_ALIGN - (n + 1) % NPY_ALIGN;
    memset(buf + n, ' ', pad);
    n += pad;
    buf[n++] = '\n';
    memcpy(buf, NPY_MAGIC "\x01", 7);
    buf[7] = 0;
    buf[8] = (char)((n - 10) & 0xff);
    buf[9] = (char)((n - 10) >> 8);
    return n;
}

static lrp_status check_write_args(const char *path, int dtype, int rank, const int64_t *dims,
                                   const void *data, size_t *count, lrp_error *err)
{
    size_t nbytes;
    if (!path)
        return lrp_error_set(err, LRP_ERR_ARG, "lrp_npy_write: path is NULL");
    if (!lrp_npy_dtype_size(dtype))
        return lrp_error_set(err, LRP_ERR_ARG,
                             "%s: cannot write dtype code %d "
                             "(need 1 = float32 or 7 = int64)",
                             path, dtype);
    if (rank < 0 || rank > LRP_NPY_MAX_RANK || (rank > 0 && !dims))
        return lrp_error_set(err, LRP_ERR_ARG, "%s: bad rank %d or NULL dims", path, rank);
    for (int i = 0; i < rank; i++)
        if (dims[i] < 0)
            return lrp_error_set(err, LRP_ERR_ARG, "%s: negative dimension %" PRId64, path,
                                 dims[i]);
    lrp_status st = shape_size(rank, dims, lrp_npy_dtype_size(dtype), count, &nbytes, path,
                               err);
    if (!st && *count > 0 && !data)
        st = lrp_error_set(err, LRP_ERR_ARG, "%s: data is NULL", path);
    return st;
}

/* Element data, little-endian; big-endian hosts swap through a small buffer. */
static int write_data(FILE *f, const void *data, size_t elem, size_t count)
{
    unsigned char chunk[4096];
    const unsigned char *p = data;
    if (host_is_little())
        return count == 0 || fwrite(data, elem, count, f) == count;
    while (count > 0) {
        size_t k = count < sizeof chunk / elem ? count : sizeof chunk / elem;
        memcpy(chunk, p, k * elem);
        swap_bytes(chunk, elem, k);
        if (fwrite(chunk, elem, k, f) != k)
            return 0;
        p += k * elem;
        count -= k;
    }
    return 1;
}

lrp_status lrp_npy_write(const char *path, int dtype, int rank, const int64_t *dims,
                         const void *data, lrp_error *err)
{
    char header[512];
    size_t count = 0;
    lrp_atomic_file af;
    lrp_status st = check_write_args(path, dtype, rank, dims, data, &count, err);
    if (!st)
        st = lrp_atomic_open(path, &af, err);
    if (st)
        return st;
    size_t hlen = format_header(header, dtype, rank, dims);
    errno = 0;
    if (fwrite(header, 1, hlen, af.f) != hlen ||
        !write_data(af.f, data, lrp_npy_dtype_size(dtype), count)) {
        int saved = errno;
        lrp_atomic_abort(&af);
        return lrp_error_set(err, LRP_ERR_IO, "%s: write failed: %s", path, strerror(saved));
    }
    return lrp_atomic_commit(&af, err);
}
