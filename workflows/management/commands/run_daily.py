"""python manage.py run_daily [--date YYYY-MM-DD]: the daily clock, the same service the
Celery beat entry runs at 01:00 Asia/Shanghai. With a broker (rule R5.20) the chunks go to the
Celery workers and the command waits for them; --in-process runs them here."""
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflows.clock import distributed
from workflows.clock.run import run_daily
from workflows.exceptions import ClockBusy, ClockRunFailed


class Command(BaseCommand):
    help = "每日任务：逾期判定、账龄、诉讼时效、重点监控、预警、责任记录与清欠办任务"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="运行日期 YYYY-MM-DD（默认今天，Asia/Shanghai）")
        parser.add_argument("--chunk-size", type=int, default=None)
        parser.add_argument("--in-process", action="store_true",
                            help="在本进程内运行各分段（即使已配置 Celery 代理）")

    def handle(self, *args, **options):
        run_date = None
        if options["date"]:
            try:
                run_date = date.fromisoformat(options["date"])
            except ValueError:
                message = _("--date：“%(value)s”不是 YYYY-MM-DD 格式的日期") % {"value": options["date"]}
                raise CommandError(message) from None
        try:
            if distributed.available() and not options["in_process"]:
                run = distributed.start_night(run_date, chunk_size=options["chunk_size"])
                already_done = run.status == run.DONE
                run = distributed.wait(run)
                run.step_seconds = {} if already_done else distributed.step_seconds(run)
            else:
                run = run_daily(run_date, chunk_size=options["chunk_size"])
        except (ClockBusy, ClockRunFailed) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("%(date)s 每日任务完成：处理债权 %(seen)d，转入逾期 %(moved)d，进入清欠办待处理 %(tasks)d，"
                            "回款中断事由 %(events)d（第 %(attempts)d 次运行）") % {
            "date": run.run_date, "seen": run.debts_seen, "moved": run.moved_overdue,
            "tasks": run.tasks_created, "events": run.events_derived, "attempts": run.attempts})
        if options["verbosity"] >= 2:
            for step, seconds in sorted(run.step_seconds.items(), key=lambda item: -item[1]):
                self.stdout.write(f"  {step}: {seconds:.2f} s")
