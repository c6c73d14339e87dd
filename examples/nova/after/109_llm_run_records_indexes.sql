-- revision: 109_llm_run_records_indexes
-- down_revision: 108_killswitch_reason
-- message: Index LLM run records

CREATE INDEX ix_llm_run_records_run_id ON llm_run_records (run_id);
CREATE INDEX ix_llm_run_records_tenant_id_created_at ON llm_run_records (tenant_id, created_at);
