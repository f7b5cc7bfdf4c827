"""The graph says what the articles say: one row per fact, written from reading the sources,
each checked by a SPARQL ASK over the graph built from the seed sources (tests/conftest.py
SEED_FILES: the five articles and the supplementary legal facts), and a few that must be absent."""

from __future__ import annotations

import unicodedata

import pytest

from cdkg.loaders import default_sources
from tests.conftest import PREFIXES, ask

FACTS = {
    # 004: Thừa Thiên Huế's implementing plan
    "plan 173/KH-UBND issued 28/4/2022 by the People's Committee of Thừa Thiên Huế, implementing the 2030 strategy": """
        ASK { ?plan eli:id_local "173/KH-UBND" ; eli:date_document "2022-04-28"^^xsd:date ;
                    eli:passed_by ?pc ; cd:implements ?strategy ; cd:coversLocality ?tth .
              ?pc rdfs:label "Ủy ban nhân dân tỉnh Thừa Thiên Huế"@vi .
              ?strategy rdfs:label "Cultural Diplomacy Strategy to 2030"@en .
              ?tth rdfs:label "Thừa Thiên Huế"@vi }""",
    "plan 173 has six breakthrough solutions and five measures": """
        ASK { { SELECT (COUNT(DISTINCT ?b) AS ?nb) (COUNT(DISTINCT ?m) AS ?nm) WHERE {
                  document:plan_173_kh_ubnd cd:hasBreakthroughSolution ?b ; cd:hasMeasure ?m } }
              FILTER(?nb = 6 && ?nm = 5) }""",
    # 000: the steering committee's annual meeting
    "the annual meeting is dated 26/5 with no year": """
        ASK { event:ev_scd_annual_meeting cd:date "--05-26"^^xsd:gMonthDay }""",
    "Hà Kim Ngọc chaired it, at the Imperial Citadel of Thăng Long, attended by the 24 member units": """
        ASK { event:ev_scd_annual_meeting cd:chair ?p ; cd:heldAt ?v ; cd:attendee ?units .
              ?p rdfs:label "Hà Kim Ngọc"@vi . ?v rdfs:label "Hoàng thành Thăng Long"@vi .
              ?units cd:memberCount 24 ; org:memberOf organisation:scd_cultural_diplomacy }""",
    "Hà Kim Ngọc is Deputy Minister of Foreign Affairs and Head of the Steering Committee": """
        ASK { ?a org:member person:ha_kim_ngoc ; org:organization organisation:mofa ; org:role role:role_deputy_minister .
              ?b org:member person:ha_kim_ngoc ; org:organization organisation:scd_cultural_diplomacy ; org:role role:role_head .
              person:ha_kim_ngoc org:headOf organisation:scd_cultural_diplomacy }""",
    "the Steering Committee is a unit of MoFA": """
        ASK { organisation:scd_cultural_diplomacy org:unitOf organisation:mofa }""",
    "the Imperial Citadel was inscribed by UNESCO on the World Heritage List in 2010": """
        ASK { ?i cd:inscribedItem heritage:hoang_thanh_thang_long ; cd:inscribingBody organisation:unesco ;
                 cd:onList cd:WorldHeritageList ; cd:date "2010"^^xsd:gYear }""",
    "the field visit is part of the meeting and features the heritage site": """
        ASK { ?v a cd:FieldVisit ; cd:partOfEvent event:ev_scd_annual_meeting ;
                 cd:featuresHeritage heritage:hoang_thanh_thang_long }""",
    "MoFA is the lead agency of the 2030 strategy": """
        ASK { document:strategy_2030 cd:leadAgency organisation:mofa }""",
    # 001: the online conference
    "the online conference: organised by MoFA on 20/12, 200 bridge points, chaired by Bùi Thanh Sơn": """
        ASK { ?e a cd:Conference ; cd:organisedBy organisation:mofa ; cd:date "--12-20"^^xsd:gMonthDay ;
                 cd:bridgePointCount 200 ; cd:chair person:bui_thanh_son ; cd:bridgePoint place:dien_bien }""",
    "Lê Thành Đô attended at the Điện Biên bridge point as Chair of the provincial People's Committee": """
        ASK { event:ev_online_conference_strategy_2030 cd:attendee person:le_thanh_do .
              ?pos org:member person:le_thanh_do ; org:organization organisation:ubnd_dien_bien ; org:role role:role_chair }""",
    "Decision 208/QĐ-TTg approved the strategy for 2011-2020": """
        ASK { ?d eli:id_local "208/QĐ-TTg" ; cd:approves ?s ; eli:passed_by organisation:prime_minister .
              ?s cd:periodStart "2011"^^xsd:gYear ; cd:periodEnd "2020"^^xsd:gYear }""",
    "the 2030 strategy has five objectives, three of them named": """
        ASK { document:strategy_2030 cd:objectiveCount 5 .
              { SELECT (COUNT(?o) AS ?n) WHERE { document:strategy_2030 cd:hasObjective ?o } } FILTER(?n = 3) }""",
    # 002: the thematic session of the 32nd Diplomatic Conference
    "the thematic session on 17/12 in Hà Nội, part of the 32nd Diplomatic Conference, chaired by two": """
        ASK { ?s a cd:ThematicSession ; cd:date "--12-17"^^xsd:gMonthDay ; cd:heldAt place:ha_noi ;
                 cd:partOfEvent ?dc ; cd:chair person:le_thi_thu_hang , person:nguyen_minh_vu ;
                 cd:approxParticipantCount 200 .
              ?dc cd:ordinal 32 }""",
    "speakers at the session include MIC's and NA Television's leaders": """
        ASK { event:ev_dc32_session_cultural_diplomacy cd:speaker person:nguyen_thanh_lam , person:le_quang_minh ,
                  person:tran_nhat_hoang }""",
    "a limitation of public diplomacy raised by Lê Thị Thu Hằng": """
        ASK { ?l a cd:Limitation ; cd:raisedBy person:le_thi_thu_hang ; cd:hasTheme cd:PublicDiplomacy }""",
    "the session feeds the external-information scheme to 2030": """
        ASK { event:ev_dc32_session_cultural_diplomacy cd:feedsInto ?s . ?s a cd:Scheme ; cd:periodEnd "2030"^^xsd:gYear }""",
    # 003: the National Conference on External Relations
    "Lê Hoài Trung, Head of the Central Commission for External Relations, spoke at the conference on 14/12": """
        ASK { event:ev_national_external_relations_conference cd:speaker person:le_hoai_trung ;
                  cd:date "--12-14"^^xsd:gMonthDay ; cd:directedBy organisation:politburo , organisation:party_secretariat .
              person:le_hoai_trung org:headOf organisation:central_commission_external_relations }""",
    "Xòe Thái expected (not yet) to be inscribed on 15/12 on UNESCO's Representative List": """
        ASK { ?i cd:inscribedItem heritage:xoe_thai ; cd:expectedDate "--12-15"^^xsd:gMonthDay ;
                 cd:onList cd:RepresentativeListICH ; cd:inscribingBody organisation:unesco
              FILTER NOT EXISTS { ?i cd:date ?d } }""",
    "the Delegation of Viet Nam to UNESCO is headed by Lê Thị Hồng Vân": """
        ASK { person:le_thi_hong_van org:headOf ?m . ?m a cd:RepresentativeMission ; cd:accreditedTo organisation:unesco }""",
    # Audit corrections (issue 13, section 4), each written from the article it cites.
    # 003: Lê Thị Hồng Vân, a delegate of the 14/12 conference (a labelled reading of the lead), and
    # her three recommendations (the two quoted ones and the soft-power one) raised there.
    "Lê Thị Hồng Vân attends the 14/12 conference, as a labelled inference from the lead": """
        ASK { GRAPH ?g { event:ev_national_external_relations_conference cd:attendee person:le_thi_hong_van }
              ?g cd:inference ?why }""",
    "her three recommendations are raised at the 14/12 conference": """
        ASK { { SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {
                  ?r a cd:Recommendation ; cd:raisedBy person:le_thi_hong_van ;
                     cd:raisedAt event:ev_national_external_relations_conference } }
              FILTER(?n = 3) }""",
    "Vân's emphasis on soft power is a statement of hers": """
        ASK { ?r cd:raisedBy person:le_thi_hong_van ; rdfs:label ?l FILTER(CONTAINS(?l, "sức mạnh mềm")) }""",
    "Lê Hoài Trung: build on existing partners, research to widen partnerships, new forms and methods": """
        ASK { ?a cd:raisedBy person:le_hoai_trung ; rdfs:label "Phát huy những mối quan hệ, các đối tác, các hình thức quan hệ đã có"@vi .
              ?b cd:raisedBy person:le_hoai_trung ; rdfs:label "Nỗ lực nghiên cứu để mở rộng quan hệ đối tác"@vi .
              ?c cd:raisedBy person:le_hoai_trung ; rdfs:label "Đổi mới các hình thức, phương pháp hoạt động đối ngoại"@vi .
              ?a cd:raisedAt event:ev_national_external_relations_conference }""",
    "the staff-capacity call is addressed to all external-affairs staff, not only the National Assembly": """
        ASK { ?r cd:raisedBy person:le_hoai_trung ; cd:hasTheme cd:CapacityBuilding ; cd:addressedTo ?staff .
              ?staff rdfs:label "Đội ngũ người làm công tác đối ngoại"@vi }""",
    "the 14/12 conference's year 2021 is a labelled inference from the report's date": """
        ASK { GRAPH ?g { event:ev_national_external_relations_conference cd:date "2021-12-14"^^xsd:date }
              ?g cd:inference ?why FILTER(CONTAINS(?why, "14/12/2021")) }""",
    # 002: the session's year from a dated report on the conference's opening (cited), as inference.
    "the 17/12 session's year 2023 is a labelled inference from a cited, dated report": """
        ASK { GRAPH ?g { event:ev_dc32_session_cultural_diplomacy cd:date "2023-12-17"^^xsd:date }
              ?g a cd:CitedEvidence ; cd:inference ?why ; prov:wasDerivedFrom ?src .
              ?src dcterms:issued "2023-12-21"^^xsd:date }""",
    # 002: the missions' stated difficulties.
    "the missions abroad raised the difficulties they face, at the thematic session": """
        ASK { ?l a cd:Limitation ; cd:raisedBy organisation:vn_missions_abroad ;
                 cd:raisedAt event:ev_dc32_session_cultural_diplomacy ; cd:hasTheme cd:PublicDiplomacy }""",
    # 000: the Steering Committee's role and the call for it to be more proactive.
    "the Steering Committee, 'chủ trì, đôn đốc', is asked to be more proactive": """
        ASK { ?r a cd:Recommendation ; cd:addressedTo organisation:scd_cultural_diplomacy ;
                 cd:raisedAt event:ev_scd_annual_meeting ; rdfs:label ?l
              FILTER(CONTAINS(?l, "chủ trì, đôn đốc") && CONTAINS(?l, "chủ động")) }""",
    "the field visit is dated 26/5 only as a labelled inference": """
        ASK { ?v a cd:FieldVisit . GRAPH ?g { ?v cd:date "--05-26"^^xsd:gMonthDay } ?g cd:inference ?why }""",
    "the meeting's year 2023 is a labelled inference from the report's date": """
        ASK { GRAPH ?g { event:ev_scd_annual_meeting cd:date "2023-05-26"^^xsd:date } ?g cd:inference ?why }""",
    "the 24 are units: the attending group counts 24 members": """
        ASK { event:ev_scd_annual_meeting cd:attendee ?g . ?g cd:memberCount 24 ; org:unitOf organisation:mofa }""",
    "'8 World Heritage properties' is dated: its excerpt's source is dated 26/5/2023": """
        ASK { GRAPH ?g { place:vietnam cd:worldHeritageCount 8 }
              ?g prov:wasQuotedFrom ?src . ?src dcterms:issued "2023-05-26"^^xsd:date }""",
    # 900: the announcement of 29/12/2024 in Thừa Thiên Huế (Huế city existed from 1/1/2025).
    "the 29/12/2024 announcement was held in Thừa Thiên Huế": """
        ASK { ?e cd:date "2024-12-29"^^xsd:date ; cd:heldAt place:thua_thien_hue }""",
    # One thing, one entity: the Prime Minister is the office issuing QĐ-TTg decisions.
    "the Prime Minister (the office) issued both decisions": """
        ASK { ?a eli:id_local "208/QĐ-TTg" ; eli:passed_by ?pm . ?b eli:id_local "2013/QĐ-TTg" ; eli:passed_by ?pm .
              ?pm rdfs:label "Thủ tướng Chính phủ"@vi }""",
    # Names: the person is labelled by the name; the title is an alternative label.
    "Hồ Chí Minh's label is his name, the title an alternative": """
        ASK { person:ho_chi_minh rdfs:label "Hồ Chí Minh"@vi , "Hồ Chí Minh"@en ; skos:altLabel "Chủ tịch Hồ Chí Minh" }""",
    "Xòe Thái has its English name, with the Vietnamese name as an alternative": """
        ASK { heritage:xoe_thai rdfs:label "Art of Xòe dance of the Tai people in Viet Nam"@en ; skos:altLabel "Xòe Thái" }""",
    # 900: supplementary facts
    "Decision 2013/QĐ-TTg of 30/11/2021, signed by Phạm Bình Minh, succeeds 208/QĐ-TTg": """
        ASK { ?d eli:id_local "2013/QĐ-TTg" ; eli:date_document "2021-11-30"^^xsd:date ; cd:approves document:strategy_2030 ;
                 cd:signedBy person:pham_binh_minh ; cd:succeedsDocument ?old . ?old eli:id_local "208/QĐ-TTg" }""",
    "Huế city replaces Thừa Thiên Huế province from 1/1/2025 under Resolution 175/2024/QH15": """
        ASK { place:hue_city dcterms:replaces place:thua_thien_hue .
              ?c a cd:AdministrativeChange ; cd:predecessor place:thua_thien_hue ; cd:successor place:hue_city ;
                 cd:effectiveDate "2025-01-01"^^xsd:date ; cd:legalBasis ?r . ?r eli:id_local "175/2024/QH15" }""",
    "the Complex of Huế Monuments was inscribed in 1993": """
        ASK { ?i cd:inscribedItem heritage:complex_of_hue_monuments ; cd:date "1993"^^xsd:gYear }""",
    "the Complex of Huế Monuments lies in Thừa Thiên Huế, on cited evidence with a locator": """
        ASK { GRAPH ?g { heritage:complex_of_hue_monuments cd:locatedIn place:thua_thien_hue }
              ?g a cd:CitedEvidence ; cd:locator ?l ; prov:wasDerivedFrom ?src . ?src foaf:page ?url }""",
    "Huế city carries on the province's plans only as a labelled inference from a cited page": """
        ASK { GRAPH ?g { place:hue_city cd:inheritsPlansOf organisation:ubnd_thua_thien_hue }
              ?g a cd:CitedEvidence ; cd:inference ?why ; prov:wasDerivedFrom ?src . ?src foaf:page ?url }""",
    "MoFA is the strategy's standing body, cited from Section II of the decision": """
        ASK { GRAPH ?g { document:strategy_2030 cd:standingBody organisation:mofa }
              ?g cd:locator ?l FILTER(CONTAINS(?l, "Section II")) }""",
}

ABSENT = {
    # Never invent a year: the body dates the meeting "Ngày 26/5"; a full date stands only in an
    # excerpt marked as the curators' inference (from the report's date).
    "no full date for the annual meeting except as a labelled inference": """
        ASK { GRAPH ?g { event:ev_scd_annual_meeting cd:date ?d } FILTER(DATATYPE(?d) = xsd:date)
              FILTER NOT EXISTS { GRAPH ?p { ?g cd:inference ?why } } }""",
    # The steering committee's 24 members are not named in the article: no member unit is invented.
    "no individual member unit of the Steering Committee": """
        ASK { ?u org:memberOf organisation:scd_cultural_diplomacy FILTER(?u != organisation:scd_member_units) }""",
    # Audit corrections: what a quote does not say is not stated.
    "Vân's 'vị trí trung tâm' is not tagged as national image": """
        ASK { ?r cd:raisedBy person:le_thi_hong_van ; cd:hasTheme cd:NationalImage }""",
    "Lê Hoài Trung's sector and local plans are not tagged 'localities at the centre'": """
        ASK { ?r cd:raisedBy person:le_hoai_trung ; cd:hasTheme cd:LocalitiesAtCentre }""",
    "no date of the field visit stated as the article's own": """
        ASK { ?v a cd:FieldVisit . GRAPH ?g { ?v cd:date ?d } FILTER NOT EXISTS { ?g cd:inference ?why } }""",
    "no recommendation of Lê Hoài Trung addressed to the National Assembly alone": """
        ASK { ?r cd:raisedBy person:le_hoai_trung ; cd:addressedTo organisation:national_assembly }""",
    "the 24 units are not a participant count": """
        ASK { event:ev_scd_annual_meeting cd:participantCount ?n }""",
    "the announcement was not held in Huế city, which did not exist on 29/12/2024": """
        ASK { ?e cd:date "2024-12-29"^^xsd:date ; cd:heldAt place:hue_city }""",
    "only one entity is labelled 'Thủ tướng Chính phủ'": """
        ASK { ?a rdfs:label "Thủ tướng Chính phủ"@vi . ?b rdfs:label "Thủ tướng Chính phủ"@vi FILTER(?a != ?b) }""",
    "no person is labelled with a title": """
        ASK { ?p a foaf:Person ; rdfs:label ?l FILTER(STRSTARTS(?l, "Chủ tịch ") || STRSTARTS(?l, "President ")) }""",
    "every National Assembly is typed as a National Assembly body": """
        ASK { ?e rdfs:label ?l FILTER(STRSTARTS(?l, "Quốc hội")) FILTER NOT EXISTS { ?e a cd:NationalAssemblyBody } }""",
    "no half-translated 'Art of Xoe Thai'": """
        ASK { ?e rdfs:label|skos:altLabel ?l FILTER(CONTAINS(LCASE(?l), "art of xoe thai")) }""",
    "a 'Chủ tịch' is never rendered 'President' in a post's English label": """
        ASK { ?p a cd:Position ; rdfs:label ?vi , ?en
              FILTER(LANG(?vi) = "vi" && LANG(?en) = "en" && CONTAINS(?vi, "Chủ tịch") && CONTAINS(?en, "President")) }""",
    # Sidebar news never enters the graph.
    "nothing about real estate, finance or world news": """
        ASK { ?s rdfs:label|prov:value ?t
              FILTER(CONTAINS(?t, "chung cư") || CONTAINS(?t, "VietinBank") || CONTAINS(?t, "Trump")
                     || CONTAINS(?t, "uranium") || CONTAINS(?t, "hồ tiêu")) }""",
}


@pytest.mark.parametrize("query", FACTS.values(), ids=list(FACTS))
def test_fact_from_the_articles(seed_store, query):
    assert ask(seed_store, query)


@pytest.mark.parametrize("query", ABSENT.values(), ids=list(ABSENT))
def test_fact_the_articles_do_not_state(seed_store, query):
    assert not ask(seed_store, query)


def test_inferred_year_is_a_separate_labelled_statement(seed_store):
    """20/12 is what the article says; 20/12/2021 stands only in an excerpt marked as inference."""
    rows = list(seed_store.query(PREFIXES + """
        SELECT ?d ?inference WHERE {
          GRAPH ?g { event:ev_online_conference_strategy_2030 cd:date ?d }
          OPTIONAL { GRAPH ?p { ?g cd:inference ?inference } } }"""))
    by_date = {r["d"].value: r["inference"] for r in rows}
    assert set(by_date) == {"--12-20", "2021-12-20"}
    assert by_date["--12-20"] is None
    assert "21/12/2021" in by_date["2021-12-20"].value


def test_recurring_entities_are_one_entity(seed_store):
    """MoFA is stated about in four sources (000, 001, 002 quoted; the decision's guidelines cited)
    under one IRI."""
    rows = seed_store.query(PREFIXES + """
        SELECT (COUNT(DISTINCT ?src) AS ?n) WHERE {
          GRAPH ?g { { organisation:mofa ?p ?o } UNION { ?s ?p organisation:mofa } }
          GRAPH ?prov { ?g prov:wasQuotedFrom|prov:wasDerivedFrom ?src } }""")
    assert int(next(iter(rows))["n"].value) >= 4


def _article_bodies() -> dict[str, str]:
    """Each bundled article's body (below the '---' line), NFC, whitespace folded, by the id of the
    source whose curated file names it."""
    import yaml

    root = default_sources()
    bodies = {}
    for path in sorted((root / "articles").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert "\n---\n" in text, path
        body = text.split("\n---\n", 1)[1]
        # Teasers of other articles ("related news") are not evidence: no article keeps them.
        assert "[related]" not in body, f"{path.name} keeps a related-articles section"
        bodies[path.name] = " ".join(unicodedata.normalize("NFC", body).split())
    by_source = {}
    for path in sorted((root / "curated").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("article"):
            by_source[data["source"]] = bodies[data["article"]]
    return by_source


def test_every_fact_and_entity_rests_on_an_article_body(seed_store):
    """No fact or entity comes from text outside an article's own body (teasers of other articles,
    sidebars): every quote lies in its article's body, and every declared entity is in a fact of
    such an excerpt (or of cited evidence, which quotes nothing)."""
    bodies = _article_bodies()
    quoted = list(seed_store.query(PREFIXES + """
        SELECT ?g ?quote ?src ?end WHERE { GRAPH ?p { ?g prov:value ?quote ; prov:wasQuotedFrom ?src .
                                                      OPTIONAL { ?g cd:charEnd ?end } } }"""))
    assert len(quoted) > 50
    outside = []
    for row in quoted:
        body = bodies[row["src"].value.rsplit("/", 1)[-1]]
        quote = " ".join(unicodedata.normalize("NFC", row["quote"].value).split())
        if quote not in body or (row["end"] is not None and int(row["end"].value) > len(body)):
            outside.append((row["g"].value, quote[:80]))
    assert outside == []
    assert not ask(seed_store, "ASK { ?g cd:teaser true }")
    # Every entity the curators declare is stated about in some evidence: none is left over from
    # removed text with only its labels.
    bare = [r["e"].value for r in seed_store.query(PREFIXES + """
        SELECT DISTINCT ?e WHERE {
          GRAPH ?r { ?e a ?class } FILTER(STRSTARTS(STR(?r), "https://w3id.org/cdkg/id/entities/"))
          FILTER NOT EXISTS { GRAPH ?g { { ?e ?p ?o } UNION { ?s ?q ?e } }
                              FILTER(STRSTARTS(STR(?g), "https://w3id.org/cdkg/id/evidence/")) } }""")]
    assert bare == []


def test_removed_teasers_stay_out(seed_store):
    """Events and people known only from teasers of other articles are not in the graph."""
    for label in ("Phạm Minh Chính", "Saysomphone Phomvihane", "Liên hiệp các tổ chức hữu nghị Việt Nam",
                  "Trần Sỹ Thanh", "Tokyo", "Nguyễn Minh Hằng", "Đỗ Hùng Việt"):
        assert not ask(seed_store, f'ASK {{ ?e rdfs:label "{label}"@vi }}'), label
    assert not ask(seed_store, 'ASK { ?e rdfs:label ?l FILTER(CONTAINS(STR(?l), "25 năm")) }')


def test_supplementary_facts_are_cited_evidence_from_public_documents(seed_store):
    """The former supplementary-facts page is gone: each of its facts now rests on cited evidence
    (our words, a locator, who checked it when) derived from the public page that states it."""
    assert not ask(seed_store, "ASK { ?s cd:sourceFile ?f FILTER(CONTAINS(?f, '900-supplementary-facts')) }")
    in_900 = 'FILTER(STRSTARTS(STR(?g), "https://w3id.org/cdkg/id/evidence/900-"))'
    rows = list(seed_store.query(PREFIXES + """
        SELECT ?g ?kind ?url WHERE {
          ?g a cd:CitedEvidence ; prov:wasDerivedFrom ?cited ; cd:paraphrase ?words ; cd:locator ?locator ;
             cd:checkedBy ?by ; cd:checkedOn ?on .
          ?cited a ?kind ; foaf:page ?url . %s }""" % in_900, use_default_graph_as_union=True))
    assert len({r["g"].value for r in rows}) == 13
    kinds = {r["kind"].value.rsplit("#", 1)[-1] for r in rows}
    assert kinds == {"LegalDocumentText", "NewsReport", "ReferenceCompilation"}
    assert all(r["url"].value.startswith(("http://", "https://")) for r in rows)
    # Nothing in the 900 files is a quote, and every fact there rests on one of those graphs.
    assert not ask(seed_store, "ASK { ?g prov:wasQuotedFrom ?src . %s }" % in_900)
    assert not ask(seed_store, """ASK { GRAPH ?g { ?s ?p ?o } %s FILTER NOT EXISTS { ?g a cd:CitedEvidence } }""" % in_900)


def _fold(text: str) -> str:
    """Accents off (đ → d), for comparing a label with its accent-free alternative."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c))


def test_vietnamese_names_keep_their_diacritics_in_english(seed_store):
    """A person's English label is the Vietnamese name as written, with an accent-free
    alternative label for search (scholarly usage); so are places named in Vietnamese."""
    rows = list(seed_store.query(PREFIXES + """
        SELECT ?p ?vi ?en (GROUP_CONCAT(?alt; separator="|") AS ?alts) WHERE {
          ?p a foaf:Person ; rdfs:label ?vi , ?en FILTER(LANG(?vi) = "vi" && LANG(?en) = "en")
          OPTIONAL { ?p skos:altLabel ?alt } } GROUP BY ?p ?vi ?en""", use_default_graph_as_union=True))
    assert len(rows) >= 12
    for row in rows:
        vi, en = row["vi"].value, row["en"].value
        assert en == vi, (vi, en)
        if not vi.isascii():
            assert _fold(vi) in (row["alts"].value.split("|") if row["alts"] else []), vi
    for iri, en in (("place:ha_noi", "Hà Nội"), ("place:thua_thien_hue", "Thừa Thiên Huế province"),
                    ("place:hue_city", "Huế city"), ("place:dien_bien", "Điện Biên province"),
                    ("heritage:hoang_thanh_thang_long", "Imperial Citadel of Thăng Long")):
        assert ask(seed_store, f'ASK {{ {iri} rdfs:label "{en}"@en ; skos:altLabel "{_fold(en)}" }}'), iri


def test_the_prime_minister_is_one_entity(seed_store):
    """`cdkg why "Thủ tướng Chính phủ"` finds one entity: the office that issues QĐ-TTg decisions,
    distinct from the Government in which Deputy Prime Ministers hold their posts."""
    from cdkg.kg.provenance import find_entity

    iri, _ = find_entity(seed_store, "Thủ tướng Chính phủ")
    assert iri == "https://w3id.org/cdkg/id/organisation/prime_minister"
    assert ask(seed_store, """ASK { ?pos org:organization organisation:government ; org:role ?r .
                               ?r rdfs:label "Phó Thủ tướng Chính phủ"@vi }""")
    assert not ask(seed_store, 'ASK { ?r a org:Role ; rdfs:label "Thủ tướng Chính phủ"@vi }')
