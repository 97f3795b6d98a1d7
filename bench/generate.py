"""Generate N demo-like customer records (the columns of examples/customers.csv).

Unique ids (K0000001 ...), Dutch and some English names, the four demo rayons, amounts
between € 25 and € 5,000 written as Dutch software exports them (``1.234,56``), due dates
in the autumn of 2026, now and then a customer with their own contact person. The same
seed gives the same file.

    python bench/generate.py 100000 /tmp/customers-100k.csv
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

HEADER = [
    "id",
    "region",
    "name",
    "salutation",
    "first_name",
    "street",
    "postcode",
    "city",
    "email",
    "amount",
    "due_date",
    "instalment_amount",
    "instalments",
    "first_instalment_date",
    "contact",
    "language",
]


def _names(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


WOMEN = _names(
    "Anna Fatima Maria Sandra Wilma Lotte Elif Yasmina Emma Sophie Julia Sanne Fleur Noor "
    "Ingrid Petra Marieke Esther Hanneke Aylin Samira Nadia Ilse Karin Monique Linda Mirjam"
)
MEN = _names(
    "Jan Pieter Kees Gerrit Mohamed Kevin Dirk Henk Ahmet Ricardo Bram Daan Sem Thijs Ruud "
    "Willem Mark Bas Youssef Mehmet Erik Johan Rob Hans Frank Stefan Jeroen Tim Arjen"
)
PARTICLES = ["", "", "", "", "de ", "van ", "van den ", "van der ", "el "]
SURNAMES = _names(
    "Vries Berg Jong Bakker Smit Meijer Visser Mulder Bos Dijk Hendriks Kooiman Vermeulen "
    "Martina Haddou Özdemir Yılmaz Bouzid Amrani Nowak Wit Jansen Janssen Peters Dekker "
    "Brouwer Leeuwen Wouters Verhoeven Kok Schouten Maas Hoekstra Koster Prins Huisman Post "
    "Kuiper Veenstra Kramer Ĳsselstein Verhulst Willems Goossens Timmermans Bosman Sarmo"
)
ENGLISH = _names(
    "Siobhan O'Neill|Tomasz Nowak|Emily Clarke|James Walsh|Olivia Brown|Liam Murphy|"
    "Ava Thompson|Noah Wilson|Grace Kelly|Jack Evans",
    "|",
)
STREETS = _names(
    "Lange Delft|Molenwater|Seisbrug|Kanaalweg|Zusterstraat|Kanaalstraat|Vlissingsestraat|"
    "Paauwenburgweg|Kasteelstraat|Julianastraat|Walstraat|Scheldestraat|Badhuisstraat|"
    "Coosje Buskenstraat|Aagje Dekenstraat|Boulevard Bankert|Dorpsplein|Paul Krugerstraat|"
    "Vrijburgstraat|Bonedijkestraat",
    "|",
)
REGIONS = {
    "noord": ("Middelburg", "4331"),
    "oost": ("Oost-Souburg", "4388"),
    "zuid": ("Vlissingen", "4381"),
    "west": ("Koudekerke", "4371"),
}
CONTACTS = ["ineke", "carina", "bianca", "linda"]


def _money(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d}"


def _slug(text: str) -> str:
    table = str.maketrans("ÖöÜüĲıÉé' ", "OoUuIiEe..")
    return "".join(c for c in text.translate(table).lower() if c.isalnum() or c == ".")


def rows(n: int, seed: int = 2026):
    rng = random.Random(seed)
    regions = list(REGIONS)
    for i in range(1, n + 1):
        region = regions[i % 4]
        city, postcode = REGIONS[region]
        if rng.random() < 0.08:
            name = rng.choice(ENGLISH)
            first, _, surname = name.partition(" ")
            salutation = ("Ms " if rng.random() < 0.5 else "Mr ") + surname
            language = "en"
        else:
            woman = rng.random() < 0.5
            first = rng.choice(WOMEN if woman else MEN)
            particle = rng.choice(PARTICLES)
            surname = rng.choice(SURNAMES)
            name = f"{first} {particle}{surname}"
            title = "mevrouw" if woman else "heer"
            salutation = f"{title} {particle[:1].upper()}{particle[1:]}{surname}"
            language = ""
        cents = int(rng.lognormvariate(10.8, 0.8)) + 2500
        cents = min(cents, 500_000)
        instalments = rng.choice((2, 4, 6, 6, 6, 12))
        yield [
            f"K{i:07d}",
            region,
            name,
            salutation,
            first,
            f"{rng.choice(STREETS)} {rng.randint(1, 199)}",
            f"{postcode} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}",
            city,
            f"{_slug(name)}.{i}@example.nl",
            _money(cents),
            f"01-{rng.choice((8, 9, 10, 11)):02d}-2026",
            _money(-(-cents // instalments)),
            str(instalments),
            "01-12-2026",
            rng.choice(CONTACTS) if rng.random() < 0.03 else "",
            language,
        ]


def generate(n: int, path: Path, seed: int = 2026) -> Path:
    """Write ``n`` records to ``path`` as ``;``-separated UTF-8, as the demo file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows(n, seed))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    generate(args.n, args.path, args.seed)


if __name__ == "__main__":
    main()
