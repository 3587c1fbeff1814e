-- Emails are stored and compared NFC-normalized and case-folded (server/unicode.c,
-- unicode_email_key). An address stored before then in another normal form (NFD,
-- say) is rewritten to NFC so that its owner still logs in, and the change is
-- audited; one whose NFC form another account shares is left as it is (an
-- administrator decides which is the impostor).
WITH changed AS (
    UPDATE users u SET email = normalize(u.email, NFC), updated_at = now(),
                       version = u.version + 1
     WHERE u.email IS NOT NFC NORMALIZED
       AND normalize(u.email, NFC) = lower(normalize(u.email, NFC))
       AND NOT EXISTS (SELECT 1 FROM users v
                        WHERE v.id <> u.id AND normalize(v.email, NFC) = normalize(u.email, NFC))
    RETURNING u.id, u.org_id, u.email
)
INSERT INTO audit_log (org_id, action, object_type, object_id, detail)
SELECT org_id, 'user.email_normalize', 'user', id::text,
       jsonb_build_object('email', email, 'via', 'migration 0010')
  FROM changed;
