import time

from app.funds import importer
from tests.test_import import donation_count, make_funds_world, run_import, write_csv


def test_bench(app, factory, tmp_path):
    world = make_funds_world(app, factory)
    rows = [f"2026-11-01,捐赠人{i % 300},person,{i + 1}.5,bank_transfer,REF-{i},,," if i % 2 else
            f"2026-11-01,捐赠人{i % 300},person,{i + 1},cash,,,," for i in range(importer.MAX_ROWS)]
    path = write_csv(tmp_path, rows)
    start = time.perf_counter()
    result = run_import(app, world, path)
    print("import", time.perf_counter() - start, result.imported, result.problems[:3])
    start = time.perf_counter()
    result = run_import(app, world, path)
    print("reimport", time.perf_counter() - start, result.duplicates)
    assert donation_count(app, world) == 5000
