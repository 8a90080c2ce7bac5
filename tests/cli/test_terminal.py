import io

from cli.terminal import Terminal


def test_a_log_keeps_a_tasks_first_and_last_progress_lines():
    # not a terminal: lines at most every 5 s, but the one saying the task ended is always written
    out = io.StringIO()
    t = Terminal(out, width=10)
    t.task_progress(0, 2, "power iteration on the raw inputs")
    t.task_progress(1, 2, "power iteration on the centred inputs")  # within 5 s: left out
    t.task_progress(2, 2, "done")
    lines = out.getvalue().splitlines()
    assert lines == ["[··········]   0.0% power iteration on the raw inputs", "[██████████] 100.0% done"]
