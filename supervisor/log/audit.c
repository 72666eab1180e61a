/*
 * log/audit: the audit sink, user records (AUDIT_TRUSTED_APP) over
 * NETLINK_AUDIT. Target strings are sent hex-encoded unless plainly safe.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#include "supervisor/log/internal.h"

/* Ask the kernel whether audit is on (AUDIT_GET): 1, 0, or -errno. With it
 * off, the kernel drops user records silently, so say so. */
int audit_sink_enabled(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct timeval tv = {.tv_sec = 1};
	unsigned seq = 1, portid = mnl_socket_get_portid(nl);
	ssize_t n;

	nlh->nlmsg_type = AUDIT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, (int)n);
	     nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != 0 || portid == 0)
			continue;
		if (nlh->nlmsg_type == AUDIT_GET &&
		    mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct audit_status))
			return ((struct audit_status *)mnl_nlmsg_get_payload(nlh))->enabled ? 1 : 0;
	}
	return -EIO;
}

/*
 * An audit field value: as it is when it is safe (printable, no space,
 * quote or '='), else hex, as the audit tools expect of untrusted strings
 * (ausearch -i decodes them).
 */
void audit_sink_value(FILE *f, const char *key, const char *v)
{
	bool plain = v && *v;

	for (const unsigned char *c = (const unsigned char *)v; plain && *c; c++)
		plain = *c > 0x20 && *c < 0x7f && *c != '"' && *c != '=';
	if (!v) {
		fprintf(f, " %s=?", key);
	} else if (plain) {
		fprintf(f, " %s=\"%s\"", key, v);
	} else {
		fprintf(f, " %s=", key);
		for (const unsigned char *c = (const unsigned char *)v; *c; c++)
			fprintf(f, "%02X", *c);
	}
}

void audit_sink_send(struct sink *s, const char *text, size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (!s->audit) {
		pthread_mutex_lock(&s->lock);
		s->errors++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = AUDIT_TRUSTED_APP;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++s->audit_seq;
	if (len + 1 > sizeof(buf) - MNL_NLMSG_HDRLEN - 16)
		len = sizeof(buf) - MNL_NLMSG_HDRLEN - 17; /* a record, not a book */
	memcpy(mnl_nlmsg_put_extra_header(nlh, len + 1), text, len);
	((char *)mnl_nlmsg_get_payload(nlh))[len] = '\0';
	if (mnl_socket_sendto(s->audit, nlh, nlh->nlmsg_len) < 0)
		sink_failed(s, errno);
}

/* The record as the audit sink sends it (without the netlink header). */
char *audit_sink_text(const struct log_record *r, size_t *ret_len)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	fprintf(f, "op=sysgate-decision decision=%s", record_decision_name(r->decision));
	if (r->ask_by)
		fprintf(f, " ask=%s", r->ask_by);
	fprintf(f, " enforced=%s", r->enforced ? "yes" : "no");
	if (r->decision == DECISION_DENY && r->enforced && r->err) {
		const char *e = policy_errno_name(r->err);

		fprintf(f, " errno=%s", e ? e : "?");
	}
	/* A foreign arch by its number, as the text and JSON forms have it
	 * (this said x86_64 for it). */
	fprintf(f, " syscall=%s", r->syscall ? r->syscall : "?");
	if (record_abi_name(r))
		fprintf(f, " arch=%s", record_abi_name(r));
	else
		fprintf(f, " arch=arch_0x%08x", r->arch);
	fprintf(f, " pid=%d", (int)r->pid);
	audit_sink_value(f, "exe", r->exe);
	if (r->path)
		audit_sink_value(f, "path", r->path);
	audit_sink_value(f, "rule", r->rule);
	if (r->container)
		audit_sink_value(f, "container", r->container);
	if (r->pod)
		audit_sink_value(f, "pod", r->pod);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	*ret_len = len;
	return text;
}

/* Audit is optional: a failure here leaves s->audit NULL and says why in
 * s->open_err (log_open reports it once); the other sinks go on. */
int audit_sink_open(struct logger *l, struct sink *s)
{
	(void)l;
	s->kind = SINK_AUDIT;
	s->audit = mnl_socket_open(NETLINK_AUDIT);
	if (s->audit && mnl_socket_bind(s->audit, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(s->audit);
		s->audit = NULL;
	}
	if (!s->audit)
		s->open_err = errno ? errno : EPERM;
	if (s->audit && audit_sink_enabled(s->audit) == 0)
		s->audit_off = true;
	return 0;
}
