// The reference for test_tls.cpp: the address of cached_tid in the OS thread
// running the caller, computed in another translation unit, so the caller's
// optimiser cannot reuse an earlier result.
extern thread_local long cached_tid;
long *fresh_cached_tid_address() { return &cached_tid; }
