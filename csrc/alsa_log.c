/* libasound's error printer, routed into attuned's log.
 *
 * libasound prints its errors to stderr ("ALSA lib pcm_dmix.c:1032:(snd_pcm_dmix_open) ...")
 * through one process-wide handler whose type is variadic (printf-style). Rust cannot
 * define a C-variadic function on stable, so this shim is the handler: it formats the
 * message with vsnprintf and hands it to Rust as a plain string. Messages longer than the
 * buffer are cut (they are one-line diagnostics). */

#include <stdarg.h>
#include <stdio.h>

typedef void (*attuned_alsa_handler)(const char *file, int line, const char *function,
                                     int err, const char *fmt, ...);
extern int snd_lib_error_set_handler(attuned_alsa_handler handler);

/* Defined in src/audio/alsa_log.rs. */
extern void attuned_alsa_message(const char *file, int line, const char *function, int err,
                                 const char *message);

static void attuned_alsa_handler_fn(const char *file, int line, const char *function,
                                    int err, const char *fmt, ...) {
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    attuned_alsa_message(file, line, function, err, message);
}

/* Install the handler; 0 on success (libasound's answer). */
int attuned_alsa_log_install(void) {
    return snd_lib_error_set_handler(attuned_alsa_handler_fn);
}
