#ifndef BPFNAV_CITERRECORDS_SHIM_H
#define BPFNAV_CITERRECORDS_SHIM_H
/* The one definition of the record layouts lives beside the BPF programs. */
#include "../../iters/bpfnav_records.h"
#endif
