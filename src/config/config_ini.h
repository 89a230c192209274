/*
 * config_ini.h - reads an INI file with the rules of Python's
 * configparser as mpp-solar uses it (RawConfigParser defaults plus
 * BasicInterpolation on read): full-line '#'/';' comments only, keys
 * case-insensitive, values continued on lines indented deeper than the
 * key, duplicate sections and keys rejected, [DEFAULT] as fallback.
 * docs/compatibility.md lists where mppd deviates.
 *
 * Main thread only (inih's options are process globals).
 */
#ifndef MPPD_CONFIG_INI_H
#define MPPD_CONFIG_INI_H

#include <sys/types.h>

struct config_diag;

struct cfgini_entry {
	char		*key;		/* lower-cased */
	char		*val;		/* raw: continuation joined, not interpolated */
	int		 line;
};

struct cfgini_sect {
	char		*name;
	int		 line;		/* line of the header */
	struct cfgini_entry *ents;	/* in file order */
	int		 nents;
};

struct cfgini {
	struct cfgini_sect *sects;	/* in file order, duplicates dropped */
	int		 nsects;
	int		 setup;		/* index of [SETUP], -1 */
	int		 dflt;		/* index of [DEFAULT], -1 */
	mode_t		 mode;		/* the file's permissions */
};

/*
 * Reads path into ini; every problem (unreadable file, bad bytes,
 * malformed lines, duplicates) is reported into dg with its line.
 * Returns -1 only when the file could not be read at all (ini is then
 * empty), else 0.  Free ini with cfgini_free() either way.
 */
int	cfgini_read(struct cfgini *ini, const char *path,
	    struct config_diag *dg);

/* Entry key of section si (no [DEFAULT] fallback), or NULL; owned by ini. */
const struct cfgini_entry *cfgini_get(const struct cfgini *ini, int si,
	    const char *key);

/*
 * The value of e as read in section si, after configparser's
 * BasicInterpolation ("%%", "%(name)s" from si or [DEFAULT]).  Returns a
 * string the caller frees, or NULL after reporting an error into dg.
 */
char	*cfgini_value(const struct cfgini *ini, struct config_diag *dg,
	    int si, const struct cfgini_entry *e);

void	cfgini_free(struct cfgini *ini);

/*
 * Records the reference's message for a file that cannot be read or has
 * no [SETUP] ("Config File '<path>' is missing the required 'SETUP'
 * section or does not exist", plus " (<path>: <why>)" when why is given),
 * ahead of every numbered error.
 */
void	cfgini_setup_missing(struct config_diag *dg, const char *path,
	    const char *why);

#endif
