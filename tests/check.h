/* The unit tests' one assertion: CHECK(cond, printf-args) reports the file,
 * line and message of a failed condition and counts it (helpers that report
 * themselves add to 'failures'); main() returns check_finish() (0 when
 * nothing failed). */
#ifndef LRP_TESTS_CHECK_H
#define LRP_TESTS_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                    \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fprintf(stderr, "\n");                                                             \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* CHECK with the condition's text as the message (not fatal either). */
#define EXPECT(cond) CHECK(cond, "check failed: %s", #cond)

static inline int check_finish(void)
{
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}

#endif
