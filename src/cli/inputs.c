/* Expanding image arguments: files, directories and @list files. */
#include "cli/inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/error.h"
#include "util/text.h"

static const char *const image_exts[] = {".png", ".jpg", ".jpeg", ".bmp", ".gif",
                                         ".tga", ".pnm", ".ppm",  ".pgm"};

static bool has_image_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof image_exts / sizeof *image_exts; i++)
        if (strcasecmp(dot, image_exts[i]) == 0)
            return true;
    return false;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

static lrp_status push(cli_inputs *in, const char *path, lrp_error *err)
{
    if (in->count == in->cap) {
        int cap = in->cap ? 2 * in->cap : 16;
        cli_input *items = realloc(in->items, sizeof *items * (size_t)cap);
        if (!items)
            return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory listing inputs");
        in->items = items;
        in->cap = cap;
    }
    cli_input *it = &in->items[in->count];
    it->path = dup_str(path);
    it->stem = NULL;
    it->index = in->count;
    if (!it->path)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory listing inputs");
    in->count++;
    return LRP_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory's image files, sorted by name (the others are named on
 * stderr, in that order too). */
static lrp_status add_directory(const char *dir, cli_inputs *in, lrp_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return lrp_error_set(err, LRP_ERR_IO, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    lrp_status st = LRP_OK;
    for (struct dirent *e; st == LRP_OK && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, sizeof *names * cap);
            if (!grown) {
                st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory listing %s", dir);
                break;
            }
            names = grown;
        }
        if (!(names[n] = dup_str(e->d_name)))
            st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory listing %s", dir);
        else
            n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        if (!has_image_ext(names[i])) {
            char shown[1024]; /* a file name can hold any byte but '/' */
            fprintf(stderr, "onnx-lrp: skipping %s/",
                    lrp_text_escape(shown, sizeof shown, dir));
            fprintf(stderr, "%s: not an image file name\n",
                    lrp_text_escape(shown, sizeof shown, names[i]));
            free(names[i]);
            continue;
        }
        size_t len = strlen(dir);
        bool slash = len > 0 && dir[len - 1] == '/';
        snprintf(path, sizeof path, slash ? "%s%s" : "%s/%s", dir, names[i]);
        if (st == LRP_OK)
            st = push(in, path, err);
        free(names[i]);
    }
    free(names);
    return st;
}

static lrp_status add_path(const char *path, cli_inputs *in, lrp_error *err)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return add_directory(path, in, err);
    return push(in, path, err); /* a missing file fails later, as that image */
}

static lrp_status add_list(const char *list, cli_inputs *in, lrp_error *err)
{
    FILE *f = fopen(list, "r");
    if (!f)
        return lrp_error_set(err, LRP_ERR_IO, "%s: %s", list, strerror(errno));
    char line[4096];
    lrp_status st = LRP_OK;
    while (st == LRP_OK && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && line[0] != '#')
            st = add_path(line, in, err);
    }
    fclose(f);
    return st;
}

static bool stem_taken(const cli_inputs *in, int before, const char *stem)
{
    for (int j = 0; j < before; j++)
        if (strcmp(in->items[j].stem, stem) == 0)
            return true;
    return false;
}

/* "dir/cat.png" -> "cat"; a stem already taken by an earlier input gets
 * "-2", "-3", ... (the first free one), so no two inputs share output files
 * ("a/cat.png", "b/cat.png", "cat-2.png" -> cat, cat-2, cat-2-2). */
static lrp_status assign_stems(cli_inputs *in, lrp_error *err)
{
    for (int i = 0; i < in->count; i++) {
        const char *base = strrchr(in->items[i].path, '/');
        base = base ? base + 1 : in->items[i].path;
        char stem[1024];
        snprintf(stem, sizeof stem, "%s", base);
        char *dot = strrchr(stem, '.');
        if (dot && dot != stem)
            *dot = '\0';
        char unique[1100];
        snprintf(unique, sizeof unique, "%s", stem);
        for (int k = 2; stem_taken(in, i, unique); k++)
            snprintf(unique, sizeof unique, "%s-%d", stem, k);
        if (!(in->items[i].stem = dup_str(unique)))
            return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    }
    return LRP_OK;
}

lrp_status cli_inputs_expand(char **args, int n_args, cli_inputs *out, lrp_error *err)
{
    lrp_status st = LRP_OK;
    for (int i = 0; st == LRP_OK && i < n_args; i++)
        st = args[i][0] == '@' ? add_list(args[i] + 1, out, err) : add_path(args[i], out, err);
    if (st == LRP_OK)
        st = assign_stems(out, err);
    return st;
}

void cli_inputs_truncate(cli_inputs *in, int n)
{
    for (int i = n; i < in->count; i++) {
        free(in->items[i].path);
        free(in->items[i].stem);
    }
    if (n < in->count)
        in->count = n;
}

void cli_inputs_shard(cli_inputs *in, int k, int n)
{
    int kept = 0;
    for (int i = 0; i < in->count; i++) {
        if (in->items[i].index % n == k) {
            in->items[kept++] = in->items[i];
        } else {
            free(in->items[i].path);
            free(in->items[i].stem);
        }
    }
    in->count = kept;
}

void cli_inputs_free(cli_inputs *in)
{
    for (int i = 0; i < in->count; i++) {
        free(in->items[i].path);
        free(in->items[i].stem);
    }
    free(in->items);
    memset(in, 0, sizeof *in);
}
