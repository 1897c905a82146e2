/*
 * Leases (租赁合同, issue 6 part D): lease chains, drafting and signing, the
 * contract PDF and its public verification, filing (备案), renewal and
 * change.  Owns lease_chain and lease (sql/017_lease.sql).  The contracts
 * other parts call, lease_in_force() and lease_end(), are in tenancy.h.
 *
 * States: draft → signed → in_force → ended; a draft may be voided.  A
 * lease is in force on a date d when it is signed or in force and
 * starts_on <= d <= COALESCE(ended_on, ends_on).  Of one unit, and of one
 * household, no two leases in states signed, in_force or ended overlap
 * (409 "lease_overlaps").  The term is at most the policy's
 * lease_max_months (422 "term_too_long").  A renewal starts the day after
 * its lease's ends_on; a change starts on the change date and its
 * previous lease then ends the day before, so a chain has neither gaps nor
 * overlaps.
 *
 * Only the bureau decides (建保〔2018〕92号): the operator's people draft
 * and sign leases (the bureau's allocation was the decision), record
 * filing, renew (the eligibility and cross-check must pass) and record
 * member and tenant changes; entering an existing paper lease takes the
 * bureau or an operator manager, and a unit swap the bureau (403
 * "bureau_only").  Nobody ends a lease here: move-out (handover) and
 * eviction call lease_end().
 *
 * Every function runs in the caller's transaction and writes its audit rows
 * ("lease.create", "lease.sign", "lease.in_force", "lease.end",
 * "lease.void", "lease.file", "lease.renew", "lease.change",
 * "lease.contract" on object_type "lease") last.  Reads apply the caller's
 * scope: outside it a lease is not found; a tenant sees its own household's.
 */
#ifndef ANJU_TENANCY_LEASE_H
#define ANJU_TENANCY_LEASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "tenancy/tenancy.h"

struct db;
struct caller;
struct audit_actor;

#define LEASE_TEMPLATE     "v1"                 /* the contract text this version prints */
#define LEASE_TOKEN_LEN    32                   /* hex digits of a verification token */
#define LEASE_REASON_MAX   200                  /* characters */
#define LEASE_RENT_MAX_FEN ((int64_t)100000000) /* one million yuan a month */

/* A new lease (draft).  A new tenancy names the household and unit of an
 * accepted offer (the unit allocated); an existing paper lease (existing
 * true, bureau or operator_manager, with a reason) a unit that is vacant or
 * allocated.  The term is term_months from starts_on (the end is the day
 * before the same day term_months later) or, for a paper lease, ends_on. */
struct lease_in {
	int64_t household_id, unit_id;
	const char *starts_on; /* YYYY-MM-DD */
	int term_months;       /* 0: ends_on given */
	const char *ends_on;   /* NULL: from term_months */
	int64_t monthly_rent_fen, deposit_fen;
	bool existing;
	const char *existing_reason;
};

/* Creates a draft (kind new) in a new chain, after the checks above: 0 and
 * *id, ANJU_EINVAL (field), ANJU_EFORBIDDEN (existing by another role),
 * ANJU_ENOTFOUND (household, unit), ANJU_ECONFLICT ("no_accepted_offer",
 * "unit_status", "lease_overlaps", "tenancy_open": the household has an open
 * chain), ANJU_EUNPROCESSABLE ("term_too_long"). */
int lease_create(struct db *db, const struct caller *c, const struct lease_in *in,
		 const struct audit_actor *who, int64_t *id, struct anju_err *e);

struct lease_sign_in {
	const char *signature_kind;      /* "scan" or "onscreen" */
	int64_t signature_attachment_id; /* an attachment of this lease: scan PDF/JPEG/PNG,
					    onscreen PNG */
	const char *signed_on;           /* NULL: today; an existing lease may give a past date */
};

/* draft → signed, witnessed by the caller; in_force at once when starts_on
 * is today or earlier.  Raises the deposit charge (a renewal: only an
 * increase), moves the application allocated → housed (new tenancies) or
 * the unit vacant → allocated (existing leases, unit swaps), ends the
 * previous lease of a change the day before, and issues the contract when
 * none current.  ANJU_ECONFLICT ("lease_state" naming the state,
 * "lease_overlaps", ...), ANJU_EUNPROCESSABLE ("signature_invalid"). */
int lease_sign(struct db *db, const struct caller *c, int64_t id, const struct lease_sign_in *in,
	       const struct audit_actor *who, struct anju_err *e);

/* Voids a draft with a reason: ANJU_ECONFLICT ("lease_state") otherwise. */
int lease_void(struct db *db, const struct caller *c, int64_t id, const char *reason,
	       const struct audit_actor *who, struct anju_err *e);

/* Records the filing (备案) of a signed lease: filed_on between signed_on
 * and today.  ANJU_ECONFLICT ("lease_state", "already_filed"). */
int lease_file(struct db *db, const struct caller *c, int64_t id, const char *filed_on,
	       const char *reference, const struct audit_actor *who, struct anju_err *e);

struct lease_renew_in {
	int term_months;
	int64_t monthly_rent_fen;
	int64_t deposit_fen; /* < 0: the same as the lease's */
	const char *on_date; /* the day of the request; NULL: today */
};

/* The eligibility explanation and cross-check of the lease's household for
 * a renewal, into *out (new): {eligible, eligibility, crosscheck,
 * nconflicts, window_opens_on, in_window}. */
int lease_renewal_check(struct db *db, const struct caller *c, int64_t id, const char *on_date,
			json_t **out, struct anju_err *e);
/* Drafts the renewal of a lease in force within its renewal window (art.
 * 30) once the household is eligible without cross-check conflicts:
 * ANJU_ECONFLICT ("renewal_window", "renewal_exists", "lease_state",
 * "renewal_not_eligible" with the reasons in the message). */
int lease_renew(struct db *db, const struct caller *c, int64_t id, const struct lease_renew_in *in,
		const struct audit_actor *who, int64_t *new_id, struct anju_err *e);

struct lease_change_in {
	const char *kind;                /* members, tenant, unit */
	const char *on_date;             /* the change date; NULL: today */
	int64_t member_id;               /* tenant: the member who becomes the tenant */
	const char *former_relationship; /* tenant: the former head's (NULL: other) */
	int64_t unit_id;                 /* unit: the new, vacant unit */
	int64_t monthly_rent_fen;        /* 0: unchanged */
	const char *reason;
};

/* Drafts a change of a lease in force as the next lease of its chain (kind
 * change), from on_date to the lease's end; signing it ends the lease the
 * day before and makes the change (the head for a tenant change, the unit
 * for a swap).  A unit swap is the bureau's (ANJU_EFORBIDDEN
 * "bureau_only"). */
int lease_change(struct db *db, const struct caller *c, int64_t id,
		 const struct lease_change_in *in, const struct audit_actor *who, int64_t *new_id,
		 struct anju_err *e);

/* The Lease JSON of one lease with its chain's leases, attachments and the
 * chain's charges: 0 or ANJU_ENOTFOUND ("lease_not_found"). */
int lease_get(struct db *db, const struct caller *c, int64_t id, json_t **out, struct anju_err *e);

struct lease_filter {
	int64_t community_id, unit_id, household_id; /* 0: any */
	const char *state;                           /* NULL: any */
	int64_t after_id;
	int limit; /* 1..200 */
};
/* A page of LeaseSummary JSON in id order (keyset: after_id), in the caller's
 * scope; *next the cursor of the next page, 0 at the end. */
int lease_list(struct db *db, const struct caller *c, const struct lease_filter *f, json_t **items,
	       int64_t *next, struct anju_err *e);
/* Leases in force on as_of whose end is within the renewal window, each
 * with days_left and the renewal drafted or signed (renewal_id). */
int lease_renewals_due(struct db *db, const struct caller *c, const char *as_of,
		       int64_t community_id, json_t **items, struct anju_err *e);
/* Signed leases not yet filed, by filing_due_on, with days_left (negative:
 * overdue).  overdue_only: only those past their due date. */
int lease_filing_due(struct db *db, const struct caller *c, const char *as_of, int64_t community_id,
		     bool overdue_only, json_t **items, struct anju_err *e);

/* The community of a lease the caller may see (the files owner "lease"):
 * 0 or ANJU_ENOTFOUND. */
int lease_community(struct db *db, const struct caller *c, int64_t id, int64_t *community_id,
		    struct anju_err *e);

/*
 * The contract (lease_pdf.c).  A lease's contract is issued as a PDF stored
 * in the files store (an attachment of the lease, category contract) and
 * recorded by its SHA-256; a re-download gives the same bytes.  A draft's
 * contract is issued again, as the chain's next version, when what it
 * shows has changed; a signed lease's never changes.
 */
/* Whether the lease has a current contract: *attachment_id (0: none, or
 * a draft whose content changed since). */
int lease_contract_current(struct db *db, const struct caller *c, int64_t id,
			   const char *public_url, int64_t *attachment_id, struct anju_err *e);
/* Issues the contract (the chain's next version) unless a current one
 * exists; *attachment_id the PDF's attachment. */
int lease_contract_issue(struct db *db, const struct caller *c, int64_t id, const char *public_url,
			 const struct audit_actor *who, int64_t *attachment_id, struct anju_err *e);
/* Renders a contract document (the JSON lease_contract_issue stores in
 * contract_doc) into out.  No database; the same doc gives the same bytes. */
int lease_contract_pdf(json_t *doc, struct buf *out, struct anju_err *e);

/* The public verification behind the QR code: {community, unit_number,
 * starts_on, ends_on, state, state_title, in_force_today, contract_version}
 * and nothing personal.  ANJU_ENOTFOUND for an unknown or malformed token. */
int lease_verify(struct db *db, const char *token, json_t **out, struct anju_err *e);

/* The daily work (lease_jobs.c) on as_of, at most limit leases at a time
 * in the caller's transaction (the job "lease_daily" repeats it until
 * *changed is 0): leases past their last day become ended (their chain too
 * unless a signed lease follows; renewal and change drafts of a lease that
 * ended are voided), signed leases whose start has come become in_force.
 * Each change is audited ("lease.end", "lease.in_force"). */
int lease_daily(struct db *db, const char *as_of, const struct audit_actor *who, int limit,
		int64_t *changed, struct anju_err *e);
/* The filing reminder: signed leases not filed, whose filing is due on or
 * after as_of (*due) or already overdue (*overdue). */
int lease_filing_counts(struct db *db, const char *as_of, int64_t *due, int64_t *overdue,
			struct anju_err *e);

#endif
