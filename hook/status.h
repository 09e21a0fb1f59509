/* status.h - `vnfplug-hook status`: what vnfplug holds, per sandbox.
 *
 * Read-only and lock-free: records and vm.json are replaced atomically,
 * so each read is consistent on its own.  Per sandbox it shows the state
 *   complete     prestart finished
 *   in-creation  not complete, and some hook holds the lock right now
 *   pending      not complete, no hook holds the lock: the hook that wrote
 *                it died; the next prestart, poststop or gc undoes it
 *   corrupt      record.json does not parse (gc removes it)
 *   no-record    a directory without record.json (gc removes it)
 * with its age, owner and VM liveness (liveness.h) and its devices.
 * The --json document ("version": 1) is a stable interface; see
 * vnfplug-hook(8).
 */
#ifndef VP_STATUS_H
#define VP_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "err.h"

#define VP_STATUS_VERSION 1

/* now: unix seconds, 0 = time(NULL).  Fails only when the sandbox list
 * can not be read or the output can not be written. */
int vp_status(const struct vp_config *cfg, bool json, long long now, FILE *out,
	      struct vp_err *err);

#endif
