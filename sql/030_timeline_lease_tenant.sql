-- A person's dossier timeline (src/tenancy/timeline.c): the leases a person
-- signed as tenant, by index, so that the audit rows of those leases are
-- found through audit_log (object_type, object_id, id) without reading the
-- lease table or the audit trail from one end.
CREATE INDEX lease_tenant ON lease (tenant_person_id, id);
