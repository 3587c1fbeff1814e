#include <stdlib.h>
#include <string.h>

#include "../../modules/accounts/roles.h"
#include "../../modules/mail/mail.h"
#include "../../server/common.h"
#include "unit.h"

static const struct {
	const char *name, *from, *want; /* want NULL: no address */
} address_cases[] = {
    {"a bare address", "noreply@techex.example", "noreply@techex.example"},
    {"a name and an address", "TechEx <noreply@techex.example>", "noreply@techex.example"},
    {"spaces inside the brackets", "TechEx < noreply@techex.example >", "noreply@techex.example"},
    {"no at sign", "TechEx <noreply>", NULL},
    {"two at signs", "a@b@c", NULL},
    {"an open bracket", "TechEx <noreply@techex.example", NULL},
    {"text after the bracket", "<a@b.example> x", NULL},
    {"a comma (two recipients)", "a@b.example,c@d.example", NULL},
    {"empty", "", NULL},
};

/* The roles of API.md "Roles", as roles.c must keep them. */
static const struct {
	const char *role;
	enum org_action action;
	bool may;
} role_cases[] = {
    {"owner", ORG_SIGN, true},
    {"admin", ORG_SIGN, true},
    {"member", ORG_SIGN, false},
    {"member", ORG_TRADE, true},
    {"member", ORG_MANAGE_PAYMENTS, false},
    {"admin", ORG_MANAGE_PAYMENTS, true},
    {"member", ORG_INVITE, false},
    {"admin", ORG_INVITE, true},
    {"admin", ORG_CHANGE_ROLE, false},
    {"owner", ORG_CHANGE_ROLE, true},
    {"admin", ORG_REMOVE_ADMIN, false},
    {"member", ORG_VIEW_MEMBERS, true},
    {"member", ORG_LEAVE, true},
    {"member", ORG_MANAGE_WEBHOOKS, false},
    {"", ORG_TRADE, false},
    {"platform_admin", ORG_VIEW_MEMBERS, false},
};

void test_mail(void)
{
	for (size_t i = 0; i < ARRAY_LEN(address_cases); i++) {
		char out[320] = "";
		bool ok = mail_address_of(address_cases[i].from, out, sizeof out);
		CHECK(address_cases[i].name,
		      address_cases[i].want ? ok && strcmp(out, address_cases[i].want) == 0 : !ok);
	}
	for (size_t i = 0; i < ARRAY_LEN(role_cases); i++)
		CHECK(role_cases[i].role,
		      org_role_may(role_cases[i].role, role_cases[i].action) == role_cases[i].may);
	for (int a = 0; a < ORG_ACTION_COUNT; a++)
		CHECK("the table's rows are in enum order",
		      org_permissions[a].action == (enum org_action)a);

	char *m = mail_compose(
	    "TechEx <noreply@techex.example>", "liu@sdut.edu.cn",
	    "邀请您加入 山东理工大学 / Invitation to join 山东理工大学 on TechEx",
	    "您好\n\nHello\n", "Tue, 01 Dec 2026 08:00:00 +0000", "techex.1.ab@techex.example");
	CHECK("From as configured",
	      strstr(m, "\r\nFrom: TechEx <noreply@techex.example>\r\n") ||
		  strncmp(m, "From: TechEx <noreply@techex.example>\r\n", 39) == 0);
	CHECK("To in angle brackets", strstr(m, "\r\nTo: <liu@sdut.edu.cn>\r\n") != NULL);
	CHECK("an RFC 2047 subject", strstr(m, "Subject: =?UTF-8?B?") != NULL);
	CHECK("no raw UTF-8 in the headers",
	      memchr(m, 0xE9, (size_t)(strstr(m, "\r\n\r\n") - m)) == NULL);
	CHECK("the MIME headers", strstr(m, "\r\nContent-Type: text/plain; charset=UTF-8\r\n") &&
				      strstr(m, "\r\nContent-Transfer-Encoding: base64\r\n") &&
				      strstr(m, "\r\nMIME-Version: 1.0\r\n"));
	CHECK("Date and Message-ID",
	      strstr(m, "\r\nDate: Tue, 01 Dec 2026 08:00:00 +0000\r\n") &&
		  strstr(m, "\r\nMessage-ID: <techex.1.ab@techex.example>\r\n"));
	/* the body: base64 of the text with CRLF line ends */
	CHECK("the body in base64", strstr(m, "\r\n\r\n5oKo5aW9DQoNCkhlbGxvDQo=\r\n") != NULL);
	for (const char *line = m; *line; line = strchr(line, '\n') + 1) {
		CHECK("lines of at most 78 characters", strcspn(line, "\r\n") <= 78);
		if (strchr(line, '\n') == NULL)
			break;
	}
	free(m);
}
