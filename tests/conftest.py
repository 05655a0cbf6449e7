"""Shared test helpers.

`write_small_region` writes a complete, valid params tree for a small French-speaking region
(three West African members, one of them landlocked) so that tests can prove that a second
region needs params only. Import it with ``from conftest import write_small_region`` or use the
``small_region`` fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tflib.paths import Project

SICA_INDICATORS = Project.default().regions_dir / "sica" / "indicators.yaml"

# French names and definitions for the indicator catalogue copied from the SICA region.
SHORT_NAMES_FR = {
    "ecoo_coverage": "Certificats d'origine électroniques",
    "fauca_coverage": "Déclaration unique",
    "single_window_coverage": "Guichet unique",
    "ephyto_coverage": "Certificats phyto/zoosanitaires électroniques",
    "ecommerce_clearance_time": "Commerce électronique",
}
INDICATORS_FR: dict[str, tuple[str, str]] = {
    "clearance_time": (
        "Délai de dédouanement",
        "Heures entre l'enregistrement de la déclaration en douane et la mainlevée des marchandises, à l'importation.",
    ),
    "port_dwell_time": (
        "Temps de séjour des marchandises au port",
        "Jours pendant lesquels un conteneur importé reste au terminal, du déchargement à la sortie.",
    ),
    "ecoo_coverage": (
        "Couverture du certificat d'origine électronique",
        "Part des certificats d'origine émis et transmis par voie électronique.",
    ),
    "port_automation": (
        "Automatisation des opérations portuaires",
        "Part des formalités portuaires (arrivée, déchargement, enlèvement) traitées sans papier.",
    ),
    "customs_data_exchange_agencies": (
        "Administrations connectées à l'échange de données douanières",
        "Nombre d'administrations de contrôle aux frontières qui échangent des données électroniques avec la douane.",
    ),
    "inspection_rate": (
        "Taux de visite physique",
        "Part des déclarations d'importation orientées vers la visite physique (circuit rouge).",
    ),
    "aeo_count": (
        "Opérateurs économiques agréés",
        "Nombre d'entreprises titulaires d'une certification d'opérateur économique agréé (OEA) valide en fin de période.",
    ),
    "fauca_coverage": (
        "Couverture de la déclaration unique régionale",
        "Part des opérations de commerce intrarégional couvertes par une déclaration unique transmise par voie électronique.",
    ),
    "sme_simplified_uptake": (
        "Recours des PME à la déclaration simplifiée",
        "Part des déclarations d'exportation des micro, petites et moyennes entreprises déposées en procédure simplifiée.",
    ),
    "border_crossing_time": (
        "Temps de passage aux frontières terrestres",
        "Heures entre l'arrivée d'un camion au poste frontière et sa sortie du poste du pays voisin, par poste et par sens.",
    ),
    "ecommerce_clearance_time": (
        "Délai de dédouanement des envois du commerce électronique",
        "Heures entre l'arrivée d'un envoi de faible valeur et sa mainlevée par la douane.",
    ),
    "ephyto_coverage": (
        "Couverture des certificats phytosanitaires et zoosanitaires électroniques",
        "Part des certificats phytosanitaires et zoosanitaires d'exportation émis et transmis par voie électronique.",
    ),
    "single_window_coverage": (
        "Couverture du guichet unique",
        "Part des formalités d'importation et d'exportation réalisables par le guichet unique du commerce extérieur.",
    ),
    "sme_export_growth": (
        "Croissance des exportations des PME",
        "Variation annuelle de la valeur exportée par les micro, petites et moyennes entreprises.",
    ),
    "large_firm_export_growth": (
        "Croissance des exportations des grandes entreprises",
        "Variation annuelle de la valeur exportée par les grandes entreprises ; référence pour les PME.",
    ),
    "sme_compliance_cost": (
        "Coût de conformité par envoi des PME",
        "Coût moyen en dollars des formalités documentaires et frontalières d'un envoi d'exportation d'une PME.",
    ),
}


def _text(languages: tuple[str, ...], **texts: str) -> dict[str, str]:
    missing = [lang for lang in languages if lang not in texts]
    if missing:
        raise ValueError(f"write_small_region has no text for language(s) {missing}")
    return {lang: texts[lang] for lang in languages}


def _dump(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_small_region(root: Path, region_id: str = "uemoa_test", languages: tuple[str, ...] = ("fr", "en")) -> Path:
    """Write a complete valid params tree for a small region under `root`; return `root`.

    Members: SEN and CIV (coastal) and BFA (landlocked), all parties. Texts exist in fr, en and
    es; `languages` picks which ones (and their order: the first is the default). The region has
    no indicators.yaml of its own: it uses the shared ``params/indicators.yaml``, a copy of the
    SICA catalogue with French text added.
    """
    root = Path(root)
    languages = tuple(languages)
    params = root / "params"
    folder = params / "regions" / region_id

    def t(**texts: str) -> dict[str, str]:
        return _text(languages, **texts)

    _dump(
        folder / "region.yaml",
        {
            "id": region_id,
            "name": t(
                fr="Union économique et monétaire ouest-africaine (test)",
                en="West African Economic and Monetary Union (test)",
                es="Unión Económica y Monetaria de África Occidental (prueba)",
            ),
            "secretariat": "Commission de l'UEMOA",
            "languages": list(languages),
            "currency": "XOF",
            "as_of": "2026-06-30",
            "members": [
                {"iso3": "SEN", "party": True},
                {"iso3": "CIV", "party": True},
                {"iso3": "BFA", "party": True},
            ],
            "comparators": ["GHA"],
            "stall_days": 60,
            "submission_period": "quarter",
            "border_crossings": [
                {
                    "id": "ouangolodougou-niangoloko",
                    "name": "Ouangolodougou – Niangoloko",
                    "countries": ["CIV", "BFA"],
                    "posts": {"CIV": "Ouangolodougou", "BFA": "Niangoloko"},
                    "corridor": t(fr="Corridor Abidjan–Ouagadougou", en="Abidjan–Ouagadougou Corridor", es="Corredor Abiyán–Uagadugú"),
                }
            ],
            "illustrative": {"seed": 7, "start": "2025-01-01"},
        },
    )

    def step(sid: str, fr: str, en: str, es: str, days: int, role: str, deps: list[str] | None = None) -> dict:
        return {"id": sid, "name": t(fr=fr, en=en, es=es), "duration_days": days, "role": role, "depends_on": deps or []}

    _dump(
        folder / "strategy.yaml",
        {
            "id": "strategie_test",
            "name": t(
                fr="Stratégie régionale de facilitation des échanges (test)",
                en="Regional trade facilitation strategy (test)",
                es="Estrategia regional de facilitación del comercio (prueba)",
            ),
            "source": "Test fixture; not a real strategy.",
            "dimensions": [
                {"id": "logistics", "name": t(fr="Logistique", en="Logistics", es="Logística")},
                {"id": "corridors", "name": t(fr="Corridors terrestres", en="Land-border corridors", es="Corredores terrestres")},
                {"id": "digital", "name": t(fr="Commerce numérique", en="Digital trade", es="Comercio digital")},
            ],
            "pillars": [
                {
                    "id": "frontieres",
                    "name": t(fr="Gestion des frontières", en="Border management", es="Gestión de fronteras"),
                    "measures": [
                        {
                            "id": "DAE",
                            "name": t(
                                fr="Déclaration anticipée électronique",
                                en="Advance electronic declaration",
                                es="Declaración anticipada electrónica",
                            ),
                            "tfa_articles": ["7.1"],
                            "dimension": "logistics",
                            "indicators": ["clearance_time", "border_crossing_time"],
                            "deadline": "2026-12-31",
                            "steps": [
                                step("S1", "Texte réglementaire", "Regulation", "Reglamento", 90, "customs"),
                                step("S2", "Adaptation du système douanier", "Customs system update",
                                     "Adaptación del sistema aduanero", 180, "customs", ["S1"]),
                                step("S3", "Déploiement national", "National roll-out", "Implementación nacional",
                                     120, "customs", ["S2"]),
                            ],
                        },
                        {
                            "id": "GU",
                            "name": t(fr="Guichet unique", en="Single window", es="Ventanilla única"),
                            "tfa_articles": ["10.4"],
                            "dimension": "digital",
                            "indicators": ["single_window_coverage"],
                            "deadline": "2028-06-30",
                            "illustrative": True,
                            "steps": [
                                step("S1", "Mandat légal", "Legal mandate", "Mandato legal", 180, "trade"),
                                step("S2", "Développement de la plateforme", "Platform development",
                                     "Desarrollo de la plataforma", 365, "trade", ["S1"]),
                            ],
                        },
                    ],
                }
            ],
        },
    )

    agencies = {
        "SEN": [("douanes", "Direction générale des Douanes"), ("commerce", "Ministère du Commerce")],
        "CIV": [("douanes", "Direction générale des Douanes"), ("commerce", "Ministère du Commerce")],
        "BFA": [("douanes", "Direction générale des Douanes"), ("commerce", "Ministère du Commerce")],
    }
    roles = {"douanes": ["customs"], "commerce": ["trade"]}
    for code, items in agencies.items():
        _dump(
            folder / "countries" / f"{code}.yaml",
            {
                "iso3": code,
                "language": languages[0],
                "start": "2025-01-01",
                "focal_point": "Comité national de facilitation des échanges",
                "agencies": [{"id": aid, "name": name, "roles": roles[aid]} for aid, name in items],
                "baseline": ["GU"] if code == "SEN" else [],
                "targets": {"clearance_time": {"value": 48, "by": "2027-12-31", "statistic": "median"}},
            },
        )

    catalogue = yaml.safe_load(SICA_INDICATORS.read_text(encoding="utf-8"))
    # The strategy has no SME dimension: an indicator no page would show is an error.
    catalogue["indicators"] = [ind for ind in catalogue["indicators"] if ind["dimension"] != "sme"]
    for ind in catalogue["indicators"]:
        name_fr, definition_fr = INDICATORS_FR[ind["id"]]
        names = {**ind["name"], "fr": name_fr}
        definitions = {**ind["definition"], "fr": definition_fr}
        ind["name"] = _text(languages, **names)
        ind["definition"] = _text(languages, **definitions)
        if "short_name" in ind:
            ind["short_name"] = _text(languages, **{**ind["short_name"], "fr": SHORT_NAMES_FR[ind["id"]]})
    _dump(params / "indicators.yaml", catalogue)
    return root


@pytest.fixture
def small_region(tmp_path: Path) -> Path:
    """A project folder holding only the small French region `uemoa_test`."""
    return write_small_region(tmp_path)


# -- one built site shared by the report, site and browser tests ---------------------------------

SITE_GROUP = "site"  # tests using `site_build` run in one xdist worker (--dist loadgroup)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep each `xdist_group` on one worker under ``--dist loadgroup``, so a session fixture
    such as `site_build` is built once, not once per worker.

    pytest-xdist groups tests by an ``@<group>`` suffix it adds to their node ids by setting
    ``item._nodeid``; pytest 9 reads node ids from ``item._id`` instead, so the suffix (and the
    grouping) is lost. This adds it the same way through ``_id``. Inert without loadgroup."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")


@pytest.fixture(scope="session")
def region_build(tmp_path_factory):
    """`region_build(region)`: the region's whole site built once from the shipped data, in a
    temporary project of its own (cached for the session)."""
    from projects import ingested_project

    from tflib.build import build

    builds: dict = {}

    def get(region: str):
        if region not in builds:
            root = tmp_path_factory.mktemp(f"site-{region}") / "proj"
            proj = ingested_project(root, region)
            builds[region] = (proj, build(region, project=proj, workers=2))
        return builds[region]

    return get


@pytest.fixture(scope="session")
def site_build(region_build):
    """The whole SICA site built once from the shipped data, in a temporary project."""
    return region_build("sica")


@pytest.fixture(scope="session")
def shipped_project(tmp_path_factory):
    """A temporary project holding the shipped data, ingested (a fresh clone has no store)."""
    from projects import ingested_project

    return ingested_project(tmp_path_factory.mktemp("shipped") / "proj")


@pytest.fixture(scope="module")
def default_project_is_shipped(shipped_project):
    """Make the shipped temporary project the default one (TFLIB_ROOT) for a test module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFLIB_ROOT", str(shipped_project.root))
        yield shipped_project


# -- one small site with planted hostile text and confidential markers ---------------------------

PLANTED_GROUP = "planted"  # test_hostile_text and test_confidential share one xdist worker


@pytest.fixture(scope="session")
def planted_site(tmp_path_factory):
    """A small SICA site built from a project with hostile text and confidential markers
    planted in its params and submissions (tests/planted.py)."""
    from planted import build_planted

    return build_planted(tmp_path_factory.mktemp("planted") / "proj")
