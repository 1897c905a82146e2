/*
 * What the public routes share.  See public.h.
 */
#include "http/public.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "http/http.h"

bool
rate_allow(struct rate_limit *l, const char *client)
{
	int64_t window = time_now_us() / l->window_us;
	unsigned h = 2166136261u, k;
	int n;

	/* FNV-1a of the address picks the slot. */
	for (const char *p = client; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	k = h % RATE_SLOTS;
	pthread_mutex_lock(&l->lock);
	if (strcmp(l->slots[k].client, client) != 0 || l->slots[k].window != window) {
		snprintf(l->slots[k].client, sizeof(l->slots[k].client), "%s", client);
		l->slots[k].window = window;
		l->slots[k].n = 0;
	}
	n = ++l->slots[k].n;
	pthread_mutex_unlock(&l->lock);
	return n <= l->max;
}

void
html_text(struct buf *b, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *s);
		}
	}
}

void
html_head(struct buf *b, const char *title)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<meta name=\"robots\" content=\"noindex\"><title>");
	html_text(b, title);
	buf_adds(b, "</title><style>"
		    "body{font-family:\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\","
		    "sans-serif;margin:0;background:#f5f7fa;color:#1f2329}"
		    "main{max-width:30rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;"
		    "border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.08)}"
		    "h1{font-size:1.3rem;margin:0 0 1rem}dl{margin:0}"
		    "dt{color:#646a73;font-size:.9rem;margin-top:.9rem}"
		    "dd{margin:.2rem 0 0;font-size:1.1rem;word-break:break-all}"
		    ".ok{color:#1a7f37;font-weight:bold}.no{color:#c62828;font-weight:bold}"
		    ".note{color:#8f959e;font-size:.8rem;margin-top:1.5rem}"
		    "</style></head><body><main>");
}

void
html_row(struct buf *b, const char *term, const char *value, const char *cls)
{
	buf_adds(b, "<dt>");
	html_text(b, term);
	buf_adds(b, cls ? "</dt><dd class=\"" : "</dt><dd>");
	if (cls) {
		html_text(b, cls);
		buf_adds(b, "\">");
	}
	html_text(b, value);
	buf_adds(b, "</dd>");
}

void
html_page(struct req *r)
{
	r->content_type = "text/html; charset=utf-8";
	req_add_header(r, "Content-Security-Policy",
		       "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none';"
		       " form-action 'none'; frame-ancestors 'none'");
	req_add_header(r, "Cache-Control", "no-store");
}

void
html_message(struct req *r, int status, const char *title, const char *message)
{
	html_head(&r->raw, title);
	buf_adds(&r->raw, "<h1>");
	html_text(&r->raw, title);
	buf_adds(&r->raw, "</h1><p>");
	html_text(&r->raw, message);
	buf_adds(&r->raw, "</p></main></body></html>\n");
	r->status = status;
}
