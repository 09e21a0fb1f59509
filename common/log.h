/* log.h - stderr (and optional syslog) logging.
 *
 * Every line reads "<prog>[<sandbox>]: <level>: <message>" so an operator
 * reading a runtime's log can tell which sandbox it is about.  Only mains
 * and the top-level hook/shim flows log; library functions return errors.
 */
#ifndef VP_LOG_H
#define VP_LOG_H

#include <stdbool.h>

#include "err.h"

enum vp_log_level { VP_LOG_ERROR = 0, VP_LOG_WARN, VP_LOG_INFO, VP_LOG_DEBUG };

void vp_log_init(const char *prog, enum vp_log_level level);
/* Also send every line to syslog(3) (facility daemon). */
void vp_log_enable_syslog(bool on);
/* Sandbox id shown in every following line; NULL clears it. */
void vp_log_set_sandbox(const char *id);
/* Log an error that ends here (a failure after the one being reported,
 * a rollback that could not finish) at `level`, and drop it. */
void vp_log_err(enum vp_log_level level, const struct vp_err *e);
void vp_log(enum vp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define vp_log_error(...) vp_log(VP_LOG_ERROR, __VA_ARGS__)
#define vp_log_warn(...) vp_log(VP_LOG_WARN, __VA_ARGS__)
#define vp_log_info(...) vp_log(VP_LOG_INFO, __VA_ARGS__)
#define vp_log_debug(...) vp_log(VP_LOG_DEBUG, __VA_ARGS__)

#endif
