/* delivery.c - the table of delivery paths (delivery.h). */
#include "delivery.h"

static const struct vp_delivery *const table[] = {
    &vp_delivery_coldplug,
};

#define N_PATHS (sizeof(table) / sizeof(table[0]))

const struct vp_delivery *vp_delivery_for(enum vp_delivery_path path)
{
	for (size_t i = 0; i < N_PATHS; i++)
		if (table[i]->path == path)
			return table[i];
	return NULL;
}

const struct vp_delivery *vp_delivery_of(enum vp_res_kind kind)
{
	for (size_t i = 0; i < N_PATHS; i++)
		if (table[i]->owns(kind))
			return table[i];
	return NULL;
}

const struct vp_delivery *vp_delivery_at(size_t i)
{
	return i < N_PATHS ? table[i] : NULL;
}
