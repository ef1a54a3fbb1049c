/* Random bytes for IDs, Tie Breakers, Random Vectors, challenges and Magic
 * Numbers. The default source is getrandom(2); tests install a
 * deterministic source so that exact bytes can be pinned. */
#ifndef L2TPX_LIB_RAND_H
#define L2TPX_LIB_RAND_H

#include <stddef.h>
#include <stdint.h>

typedef void (*lx_rand_fn)(void *ctx, void *buf, size_t len);

void lx_random_bytes(void *buf, size_t len);
uint16_t lx_random_u16(void);
uint32_t lx_random_u32(void);

/* NULL restores the system source. */
void lx_random_set_source(lx_rand_fn fn, void *ctx);

#endif
