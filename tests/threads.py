"""Run the same work in several threads started at once (the concurrency tests)."""

import threading


def run_together(work, count: int, *, refused: type[Exception] | tuple[type[Exception], ...]) -> list[str]:
    """Run ``work(index)`` in ``count`` threads released together; "ok" or the message of each refusal.

    Anything other than ``refused`` propagates as a failure of the thread (and shows in the outcomes' length).
    """
    start, outcomes = threading.Barrier(count), []

    def worker(index):
        start.wait()
        try:
            work(index)
            outcomes.append("ok")
        except refused as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
