"""Duplicate detection (查重), merge (合并) and data-quality checks (定期检查) for customers.

>>> import custrecord.matching as matching
>>> found = matching.find_duplicates([
...     {"name": "苏州示例科技有限公司", "contact_mobile": "138 1234 5678"},
...     {"name": "示例科技（苏州）有限公司", "contact_mobile": "+86 138-1234-5678"},
... ])
>>> [(m.left, m.right) for m in found], found[0].score > 0.9
([(0, 1)], True)

Modules: :mod:`~custrecord.matching.normalize` (names, phones, e-mails,
addresses), :mod:`~custrecord.matching.chinese` (traditional characters and
pinyin), :mod:`~custrecord.matching.blocking` and
:mod:`~custrecord.matching.minhash` (candidate pairs),
:mod:`~custrecord.matching.comparisons` (what is compared, in levels),
:mod:`~custrecord.matching.model` (Fellegi-Sunter weights learned by EM),
:mod:`~custrecord.matching.scoring` (pair scores and reasons),
:mod:`~custrecord.matching.matcher` (the index and the entry points),
:mod:`~custrecord.matching.splink_settings` (the same model for Splink),
:mod:`~custrecord.matching.clusters`, :mod:`~custrecord.matching.merge` and
:mod:`~custrecord.matching.quality`. Nothing here imports rapidfuzz or
pypinyin until records are compared.
"""

from __future__ import annotations

from custrecord.matching.blocking import block_keys, candidates, name_keys
from custrecord.matching.clusters import UnionFind, cluster
from custrecord.matching.comparisons import COMPARISONS, Comparison, Level
from custrecord.matching.features import Features, extract, valid_tax_id
from custrecord.matching.matcher import (
    CandidateSource,
    Hit,
    Matcher,
    Run,
    find_duplicates,
    find_duplicates_in,
    find_links,
    run,
)
from custrecord.matching.merge import (
    DEFAULT_STRATEGIES,
    FieldChoice,
    Merged,
    MergeError,
    MergeRecord,
    Strategy,
    choose_survivor,
    merge,
    merge_contacts,
)
from custrecord.matching.model import DEFAULT_MODEL, Model
from custrecord.matching.normalize import (
    NameParts,
    normalize_address,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_tax_id,
)
from custrecord.matching.quality import (
    Completeness,
    Finding,
    QualityReport,
    check_quality,
    completeness,
    revalidate,
    stale,
)
from custrecord.matching.scoring import DEFAULT_THRESHOLD, Match, Outcome, Reason, compare
from custrecord.matching.splink_settings import splink_records, to_splink_settings

__all__ = [
    "COMPARISONS",
    "DEFAULT_MODEL",
    "DEFAULT_STRATEGIES",
    "DEFAULT_THRESHOLD",
    "CandidateSource",
    "Comparison",
    "Completeness",
    "Features",
    "FieldChoice",
    "Finding",
    "Hit",
    "Level",
    "Match",
    "Matcher",
    "MergeError",
    "MergeRecord",
    "Merged",
    "Model",
    "NameParts",
    "Outcome",
    "QualityReport",
    "Reason",
    "Run",
    "Strategy",
    "UnionFind",
    "block_keys",
    "candidates",
    "check_quality",
    "choose_survivor",
    "cluster",
    "compare",
    "completeness",
    "extract",
    "find_duplicates",
    "find_duplicates_in",
    "find_links",
    "merge",
    "merge_contacts",
    "name_keys",
    "normalize_address",
    "normalize_email",
    "normalize_name",
    "normalize_phone",
    "normalize_tax_id",
    "revalidate",
    "run",
    "splink_records",
    "stale",
    "to_splink_settings",
    "valid_tax_id",
]
