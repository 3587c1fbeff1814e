/*
 * seed.c - demo organizations named in the plan for the Zibo industrial
 * resource utilization base.
 */
#include "seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../accounts/accounts.h"

struct demo_org {
	const char *key;
	const char *name;
	const char *kind;
	const char *parent; /* key of the parent, or NULL */
	const char *status;
	const char *email;
	const char *person;
};

static const struct demo_org demo_orgs[] = {
    {"chalco_sd", "中铝山东有限公司", "enterprise", NULL, "verified",
     "chalco-sd@demo.techex.example", "王工"},
    {"chalco_ri", "中铝研究院", "research_institute", "chalco_sd", "verified",
     "chalco-ri@demo.techex.example", "李研究员"},
    {"shanlv_env", "山铝环保科技有限公司", "enterprise", "chalco_sd", "verified",
     "shanlv-env@demo.techex.example", "赵经理"},
    {"sdut", "山东理工大学", "university", NULL, "verified", "sdut@demo.techex.example", "张教授"},
    {"ustb", "北京科技大学", "university", NULL, "verified", "ustb@demo.techex.example", "刘教授"},
    {"gxu", "广西大学", "university", NULL, "verified", "gxu@demo.techex.example", "黄教授"},
    {"cbma", "中国建筑材料科学研究总院", "research_institute", NULL, "verified",
     "cbma@demo.techex.example", "陈研究员"},
    {"tianzhirun", "淄博天之润环保科技有限公司", "enterprise", NULL, "verified",
     "tianzhirun@demo.techex.example", "孙总"},
    {"jinhong", "山东金虹钛白化工有限公司", "enterprise", NULL, "verified",
     "jinhong@demo.techex.example", "周工"},
    {"donghua", "东华水泥有限公司", "enterprise", NULL, "unverified", "donghua@demo.techex.example",
     "吴经理"},
};

int seed_demo(PGconn *conn)
{
	char ids[sizeof demo_orgs / sizeof demo_orgs[0]][37];
	const char *password = getenv("TECHEX_DEMO_PASSWORD");
	if (password == NULL || *password == '\0')
		password = "techex-demo-2026";
	if (strlen(password) < 12) {
		fprintf(stderr, "techex: TECHEX_DEMO_PASSWORD: must be at least 12 characters\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof demo_orgs / sizeof demo_orgs[0]; i++) {
		const struct demo_org *d = &demo_orgs[i];
		const char *parent = NULL;
		for (size_t j = 0; d->parent != NULL && j < i; j++)
			if (strcmp(demo_orgs[j].key, d->parent) == 0)
				parent = ids[j];
		if (accounts_seed_org(conn, d->name, d->kind, parent, d->status, d->email,
				      d->person, password, ids[i]) != RC_OK) {
			fprintf(stderr, "techex: seeding %s failed\n", d->name);
			return 1;
		}
		printf("organization %-28s %s  owner %s\n", d->name, d->status, d->email);
	}
	printf("demo password for every owner: %s\n",
	       getenv("TECHEX_DEMO_PASSWORD") ? "(from TECHEX_DEMO_PASSWORD)" : password);
	return 0;
}
