"""``manage.py simulate_programme``: a cohort through 26 weeks of the programme, by the real
services, printed as the Markdown tables of docs/programme-simulation.md. Rolled back: it
leaves the database as it found it."""

from django.core.management.base import BaseCommand

from walkback.demo.simulation import BASELINES, PROFILES, WEEKS, simulate

SHOWN_WEEKS = (0, 2, 4, 6, 8, 10, 12, 16, 20, 26)


class Command(BaseCommand):
    help = "Simulate a cohort through the programme and print weekly targets and minutes."

    def handle(self, *args, **options):
        results = simulate()
        for profile in PROFILES:
            self.stdout.write(f"\n### {profile}\n")
            self.stdout.write(
                "Target / minutes walked, by programme week (week 0 starts on a Wednesday).\n"
            )
            header = "| baseline | " + " | ".join(f"wk {w}" for w in SHOWN_WEEKS) + " |"
            self.stdout.write(header)
            self.stdout.write("|---" * (len(SHOWN_WEEKS) + 1) + "|")
            for baseline in BASELINES:
                weeks = {row.week: row for row in results[(profile, baseline)]}
                cells = []
                for week in SHOWN_WEEKS:
                    row = weeks.get(week)
                    cells.append("—" if row is None else f"{row.target or 0} / {row.minutes}")
                self.stdout.write(f"| {baseline} | " + " | ".join(cells) + " |")
        self.stdout.write(f"\n({WEEKS} programme weeks simulated.)")
