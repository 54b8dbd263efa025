/*
 * pl_proxy_model.c - the model of this proxy (see pl_proxy_model.h).
 */
#include "pl_proxy_model.h"

#ifndef PL_PROXY_MODEL
#error "PL_PROXY_MODEL (the subject's model) must be defined by the build"
#endif

const char *pl_proxy_model(void)
{
    return PL_PROXY_MODEL;
}

const char *pl_proxy_default_mpiexec(void)
{
#ifdef PL_PROXY_MPIEXEC
    return PL_PROXY_MPIEXEC;
#else
    return 0;
#endif
}
