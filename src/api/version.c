/* lrp_version: the version this library was built as. */
#include "lrp.h"

const char *lrp_version(void)
{
    return LRP_VERSION;
}
