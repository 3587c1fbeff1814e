-- An organization's profile, worth verifying (API.md "Organizations and people"):
-- its unified social credit code (统一社会信用代码, GB 32100-2015, both check characters
-- validated by the accounts module), its region (GB/T 2260), legal representative,
-- address, website and description; and government_established, which only a platform
-- admin sets, since it changes the organization's legal duties (public notice of agreed
-- prices, the inventors' share).
ALTER TABLE organizations
    ADD COLUMN credit_code            text CHECK (credit_code ~ '^[0-9A-HJ-NP-RTUW-Y]{18}$'),
    ADD COLUMN region_code            text CHECK (region_code ~ '^[0-9]{6}$'),
    ADD COLUMN legal_representative   text CHECK (char_length(legal_representative) BETWEEN 1 AND 100),
    ADD COLUMN address                text CHECK (char_length(address) BETWEEN 1 AND 300),
    ADD COLUMN website                text CHECK (char_length(website) BETWEEN 1 AND 300),
    ADD COLUMN description            text CHECK (char_length(description) <= 4000),
    ADD COLUMN government_established boolean NOT NULL DEFAULT false,
    ADD COLUMN verified_at            timestamptz;

-- one organization per credit code
CREATE UNIQUE INDEX organizations_credit_code_key ON organizations (credit_code)
    WHERE credit_code IS NOT NULL;
-- the verification queue, oldest first
CREATE INDEX organizations_status_created_idx ON organizations (status, created_at, id);
