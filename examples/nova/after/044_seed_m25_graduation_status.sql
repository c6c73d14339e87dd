-- revision: 044_seed_m25_graduation_status
-- down_revision: 043_m25_graduation_status
-- message: Seed the initial M25 graduation status row

INSERT INTO m25_graduation_status (current_level, gates_passed, notes)
VALUES ('alpha', 0, 'seeded by 044_seed_m25_graduation_status');
