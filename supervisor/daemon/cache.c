/*
 * cache: the daemon's policies by name, and their reload on SIGHUP
 * (cache.h). Trusted side: it reads only DIR/NAME.ini with NAME plain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/facts.h"
#include "sg-util.h"
#include "supervisor/daemon/cache.h"
#include "supervisor/log/diag.h"

void pol_unref(struct pol *p)
{
	if (!p || --p->refs > 0)
		return;
	policy_filter_done(&p->filter);
	policy_free(p->p);
	free(p->name);
	free(p);
}

/* "FILE:LINE: error: why", as check prints them (the level only decides
 * whether it is printed: the text says which it is). */
static void print_diags(const char *file, const struct policy_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		bool error = d->v[i].severity == DIAG_ERROR;

		diag(error ? DIAG_ERROR : DIAG_NOTICE, "%s:%u: %s: %s", file, d->v[i].line,
		     error ? "error" : "warning", d->v[i].msg);
	}
}

/* Load (or reload) a policy; NULL on error, with the reason said. */
static struct pol *pol_load(const char *name, const char *file)
{
	struct policy_diags d = {};
	struct pol *p = calloc(1, sizeof(*p));
	const char *what = file ? file : POLICY_DEFAULT_NAME;
	int r;

	if (!p) {
		diag_errno(DIAG_ERROR, ENOMEM, "cannot load %s", what);
		return NULL;
	}
	p->refs = 1;
	p->name = strdup(name);
	r = file ? policy_load_file(file, &p->p, &d) : policy_load_default(&p->p, &d);
	print_diags(what, &d);
	if (r < 0 && d.n_errors == 0)
		diag_errno(DIAG_ERROR, r, "cannot load %s", what);
	policy_diags_free(&d);
	if (r == 0) {
		r = policy_compile(p->p, &p->filter);
		if (r < 0)
			diag_errno(DIAG_ERROR, r, "cannot compile %s", what);
	}
	if (r == 0 && !p->name)
		r = diag_errno(DIAG_ERROR, ENOMEM, "cannot load %s", what);
	if (r < 0) {
		pol_unref(p);
		return NULL;
	}
	return p;
}

int cache_open(struct pol_cache *c, const char *policy_dir, const char *default_file)
{
	struct policy_diags d = {};
	struct pol *deny;
	int r;

	*c = (struct pol_cache){.policy_dir = policy_dir, .default_file = default_file};
	c->pols = pol_load("", default_file);
	if (!c->pols)
		return -EINVAL;
	deny = calloc(1, sizeof(*deny));
	if (!deny)
		return diag_errno(DIAG_ERROR, ENOMEM, "cannot build the deny-all policy");
	deny->refs = 1;
	deny->name = strdup("deny-all");
	r = policy_load_string("deny-all", "[sysgate]\ndefault = deny EPERM\n", &deny->p, &d);
	policy_diags_free(&d);
	if (r == 0)
		r = policy_compile(deny->p, &deny->filter);
	if (r == 0 && !deny->name)
		r = -ENOMEM;
	if (r < 0) {
		pol_unref(deny);
		return diag_errno(DIAG_ERROR, r, "cannot build the deny-all policy");
	}
	c->deny_all = deny;
	return 0;
}

void cache_close(struct pol_cache *c)
{
	while (c->pols) {
		struct pol *p = c->pols;

		c->pols = p->next;
		pol_unref(p);
	}
	pol_unref(c->deny_all);
	c->deny_all = NULL;
}

struct pol *cache_deny_all(struct pol_cache *c)
{
	c->deny_all->refs++;
	return c->deny_all;
}

struct pol *cache_get(struct pol_cache *c, const char *name, const char **why)
{
	_cleanup_free_ char *file = NULL;
	struct pol *p;

	for (p = c->pols; p; p = p->next)
		if (streq(p->name, name)) {
			p->refs++;
			return p;
		}
	if (!*name) {
		*why = "no default policy";
		return NULL;
	}
	if (!c->policy_dir) {
		*why = "a policy was named but serve has no --policy-dir";
		return NULL;
	}
	/* The caller checked already; this is the file name's last guard. */
	if (!policy_plain_name(name, strlen(name))) {
		*why = "policy name is not a plain name";
		return NULL;
	}
	if (asprintf(&file, "%s/%s.ini", c->policy_dir, name) < 0) {
		*why = "out of memory";
		return NULL;
	}
	p = pol_load(name, file);
	if (!p) {
		*why = "the named policy does not load";
		return NULL;
	}
	p->next = c->pols;
	c->pols = p;
	p->refs++; /* one for the cache, one for the caller */
	return p;
}

void cache_reload(struct pol_cache *c)
{
	for (struct pol **pp = &c->pols; *pp; pp = &(*pp)->next) {
		struct pol *old = *pp, *fresh;
		_cleanup_free_ char *file = NULL;

		if (!*old->name)
			fresh = pol_load("", c->default_file);
		else if (asprintf(&file, "%s/%s.ini", c->policy_dir, old->name) >= 0)
			fresh = pol_load(old->name, file);
		else
			fresh = NULL;
		if (!fresh) {
			diag(DIAG_WARNING, "reload: kept the old %s policy",
			     *old->name ? old->name : "default");
			continue;
		}
		fresh->next = old->next;
		*pp = fresh;
		pol_unref(old); /* running sessions hold their own reference */
	}
	diag(DIAG_NOTICE, "reloaded policies; new sandboxes get them, running ones keep theirs");
}
