"""tools/samples.py computes CN resident id check digits itself (no ingestion import):
they must agree with the validator ingestion applies to every incoming id."""
import random

from common.clock import today

from ingestion.domain.cn_id import check_digit as ingestion_check_digit
from ingestion.domain.cn_id import validate_cn_resident_id
from tools.samples import check_digit, person


def test_check_digit_agrees_with_ingestion_on_every_remainder():
    rng = random.Random(18)
    seen = set()
    for _ in range(2000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert check_digit(first17) == ingestion_check_digit(first17), first17
        seen.add(check_digit(first17))
    assert seen == set("10X98765432")  # every one of the 11 check characters was hit


def test_sample_people_carry_ids_ingestion_accepts():
    rng = random.Random(7)
    for n in range(200):
        nid = person(rng, n)["national_id"]
        assert validate_cn_resident_id(nid, today()).number == nid  # raises CnIdError when invalid
