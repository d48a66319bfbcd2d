"""The knowledge base is complete, cited and fails loudly when a file is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from backstop import knowledge

DESIGN_CAUSES = (
    "doms muscle_strain ligament_sprain herniated_disc sciatica poor_form weak_core inadequate_warmup "
    "overtraining muscle_imbalance tight_hamstrings_hip_flexors poor_posture high_impact "
    "degenerative_disc_disease spinal_stenosis facet_joint_irritation osteoarthritis scoliosis "
    "age_related_changes kidney_problem spinal_fracture spinal_infection cauda_equina_syndrome rhabdomyolysis"
).split()
SEEDS = {f"00{i}" for i in range(5)}
NAMED_GUIDELINES = ("NICE", "NHS", "BASS", "ACP", "CDC", "MedlinePlus", "CKS")


def test_every_design_cause_exists_with_all_fields(kb):
    for cid in DESIGN_CAUSES:
        cause = kb.causes[cid]
        for field in knowledge.SCHEMA["causes"]:
            assert field in cause, (cid, field)
        for key in knowledge.PATTERN_KEYS:
            assert cause["pattern"][key].strip(), (cid, key)


@pytest.mark.parametrize("collection", ["causes", "remedies", "exercises", "prevention", "guidance", "red_flags"])
def test_every_entry_cites_a_seed_or_named_guideline(kb, collection):
    for entry in kb.collection(collection).values():
        for source in entry["sources"]:
            assert source[:3] in SEEDS or any(g in source for g in NAMED_GUIDELINES), (entry["id"], source)


def test_seed_file_names_cited_exist_in_the_seed_set(kb):
    cited = {s for _, e in kb.topics() for s in e["sources"] if s.endswith(".txt")}
    assert cited <= {
        "000_997dddbf287e37f9.txt", "001_5d2c10ed721a5324.txt", "002_b1a5cf954750fafa.txt",
        "003_439542bc5620b1c5.txt", "004_aac8a55e62b3d479.txt",
    }


def test_design_red_flags_present_at_their_levels(kb):
    emergency = {"bladder_dysfunction", "bowel_dysfunction", "saddle_anaesthesia", "sexual_dysfunction",
                 "bilateral_sciatica", "bilateral_leg_weakness", "major_trauma", "collapse_severe_pain",
                 "dark_urine_after_exercise"}
    urgent = {"leg_weakness", "foot_drop", "fever_unwell", "immunosuppression_ivdu", "uncontrolled_pain",
              "pop_cannot_move"}
    # possible_cauda_equina: a "yes" to the bladder/bowel/saddle screen that names no sign
    assert {f for f, e in kb.red_flags.items() if e["level"] == "emergency"} == emergency | {"possible_cauda_equina"}
    assert urgent <= {f for f, e in kb.red_flags.items() if e["level"] == "urgent"}


def test_no_diagnostic_phrasing_in_answers(kb):
    banned = ("this sounds like", "sounds like you have", "you have a", "a common cause of this pattern")
    for _, entry in kb.topics():
        text = yaml.safe_dump(entry).lower()
        for phrase in banned:
            assert phrase not in text, (entry["id"], phrase)


def _copy_kb(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge.KNOWLEDGE_DIR, target)
    return target


def test_missing_field_is_named(tmp_path):
    kdir = _copy_kb(tmp_path)
    data = yaml.safe_load((kdir / "causes.yml").read_text())
    del data["causes"][0]["explanation"]
    (kdir / "causes.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(knowledge.KnowledgeError, match=r"causes.yml: entry 'doms': field 'explanation': missing"):
        knowledge.load(kdir)


def test_entry_without_sources_is_refused(tmp_path):
    kdir = _copy_kb(tmp_path)
    data = yaml.safe_load((kdir / "remedies.yml").read_text())
    data["remedies"][0]["sources"] = []
    (kdir / "remedies.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(knowledge.KnowledgeError, match=r"remedies.yml: entry 'ice': field 'sources'"):
        knowledge.load(kdir)


def test_unknown_reference_is_refused(tmp_path):
    kdir = _copy_kb(tmp_path)
    data = yaml.safe_load((kdir / "causes.yml").read_text())
    data["causes"][0]["self_care"].append("leeches")
    (kdir / "causes.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(knowledge.KnowledgeError, match="unknown remedy 'leeches'"):
        knowledge.load(kdir)


def test_signal_with_unknown_value_is_refused(tmp_path):
    kdir = _copy_kb(tmp_path)
    data = yaml.safe_load((kdir / "causes.yml").read_text())
    data["causes"][0]["signals"][0]["values"] = ["last_tuesday"]
    (kdir / "causes.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(knowledge.KnowledgeError, match="'last_tuesday' is not a known"):
        knowledge.load(kdir)


def test_broken_yaml_names_the_file(tmp_path):
    kdir = _copy_kb(tmp_path)
    (kdir / "guidance.yml").write_text("guidance: [unclosed")
    with pytest.raises(knowledge.KnowledgeError, match="guidance.yml: not valid YAML"):
        knowledge.load(kdir)


def test_aliases_resolve_common_user_words(kb):
    index = kb.alias_index()
    assert index["slipped disc"] == ("causes", "herniated_disc")
    assert index["rdls"] == ("exercises", "deadlift")
    assert index["pulled muscle"] == ("causes", "muscle_strain")


def test_every_cited_source_has_a_readable_title(kb):
    cited = {s for _, e in kb.topics() for s in e["sources"]} | {s for f in kb.red_flags.values() for s in f["sources"]}
    assert cited <= set(kb.sources)
    assert all(not kb.source_title(s).endswith(".txt") for s in cited)


def test_a_source_missing_from_the_registry_is_refused(tmp_path):
    import shutil

    for f in knowledge.KNOWLEDGE_DIR.glob("*.yml"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "sources.yml").write_text("sources:\n  NICE NG59: {title: NICE NG59}\n")
    with pytest.raises(knowledge.KnowledgeError, match="not in sources.yml"):
        knowledge.load(tmp_path)
