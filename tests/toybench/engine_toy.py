"""A toy task, as a new bench's engine module would be: params, run, spec."""

from dataclasses import dataclass

from engine.params import param
from engine.tasks import TaskContext, TaskSpec


@dataclass(frozen=True)
class SumParams:
    n: int = param(10, "sum the integers 1…n", minimum=1, maximum=10 ** 9)
    pause: float = param(0.0, "seconds to wait per step (so a test can cancel)", minimum=0.0, maximum=1.0)


def run(p: SumParams, ctx: TaskContext) -> int:
    import time

    total = 0
    for i in range(1, p.n + 1):
        ctx.checkpoint()
        total += i
        ctx.progress(i, p.n, f"{i}/{p.n}")
        if p.pause:
            time.sleep(p.pause)
    return total


TOY = TaskSpec("toy-sum", "Sum", SumParams, run, "Sum 1…n.", summary=lambda total: f"sum = {total}",
               to_json=lambda total: {"sum": total})
