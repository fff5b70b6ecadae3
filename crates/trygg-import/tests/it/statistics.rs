//! Crime statistics, surveys and population from the real samples in
//! `shared/data/`, and the bad inputs each must refuse with the place and
//! the problem, leaving the database as it was.

use rust_xlsxwriter::Workbook;
use trygg_import::statistics::{TableImportError, TableOptions};
use trygg_import::{population, statistics, surveys};
use trygg_store::Store;

fn opts(source: &str) -> TableOptions {
    TableOptions {
        source: source.into(),
        actor: "test".into(),
        dry_run: false,
        skip_invalid: false,
        sheet: None,
    }
}

/// A Brå-style export: one row per region and year, one column per crime type;
/// `title` puts a title row above the header, as some exports do.
fn bra_xlsx(title: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Anmälda brott").unwrap();
    let top = u32::from(title);
    if title {
        sheet.write_string(0, 0, "Anmälda brott, antal, 2015–2016").unwrap();
    }
    for (c, h) in ["Region", "År", "Stöldbrott", "Våldsbrott"].iter().enumerate() {
        sheet.write_string(top, c as u16, *h).unwrap();
    }
    let rows = [
        ("Rinkeby-Kista", 2015.0, 3012.0, 801.0),
        ("Rinkeby-Kista", 2016.0, 2950.0, 778.0),
        ("Spånga-Tensta", 2016.0, 2101.0, 512.0),
    ];
    for (r, (region, year, theft, violence)) in rows.iter().enumerate() {
        let r = top + 1 + r as u32;
        sheet.write_string(r, 0, *region).unwrap();
        sheet.write_number(r, 1, *year).unwrap();
        sheet.write_number(r, 2, *theft).unwrap();
        sheet.write_number(r, 3, *violence).unwrap();
    }
    book.save_to_buffer().unwrap()
}

async fn bra_june_2016_per_district_area(store: Store) {
    trygg_import::seed::seed_jarva(&store).await.unwrap();
    let Some(bytes) = crate::shared_data("indicators/bra_anmalda_brott_2016-06_sdo_mitti.csv") else {
        return;
    };
    let out = statistics::import(&store, "bra.csv", &bytes, &opts("bra")).await.unwrap();
    assert_eq!((out.accepted, out.rejected.len()), (18, 0));
    let run = out.run.unwrap();
    assert_eq!((run.inserted, run.accepted, run.kind.as_str()), (18, 18, "statistics"));
    let rows = store.crime_counts("bra").await.unwrap();
    assert_eq!(rows.len(), 18);
    let thefts: Vec<i64> = rows.iter().filter(|r| r.crime_type == "Stöldbrott").map(|r| r.count).collect();
    // The article's text says 485 thefts; its own table sums to 484.
    assert_eq!(thefts.iter().sum::<i64>(), 484);
    let rk = rows.iter().find(|r| r.region == "Rinkeby-Kista" && r.crime_type == "Vapenbrott").unwrap();
    assert_eq!((rk.count, rk.period.as_str()), (9, "2016-06"));
    assert_eq!(rk.area.as_ref().map(|a| a.as_str()), Some("rinkeby-kista"));
    let again = statistics::import(&store, "bra.csv", &bytes, &opts("bra")).await.unwrap().run.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 18));
}

async fn bra_xlsx_wide_export(store: Store) {
    trygg_import::seed::seed_jarva(&store).await.unwrap();
    let out = statistics::import(&store, "bra.xlsx", &bra_xlsx(false), &opts("bra")).await.unwrap();
    assert_eq!(out.accepted, 6);
    let rows = store.crime_counts("bra").await.unwrap();
    let st = rows.iter().find(|r| r.region == "Spånga-Tensta" && r.crime_type == "Våldsbrott").unwrap();
    assert_eq!((st.count, st.period.as_str()), (512, "2016"));
    assert_eq!(st.area.as_ref().map(|a| a.as_str()), Some("spanga-tensta"));
}

async fn xlsx_with_an_extra_header_row_is_refused(store: Store) {
    let err = statistics::import(&store, "bra.xlsx", &bra_xlsx(true), &opts("bra")).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, TableImportError::File(_)), "{msg}");
    assert!(msg.starts_with("bra.xlsx, sheet \"Anmälda brott\", row 1: expected a region column"), "{msg}");
    assert!(msg.contains("row 2 looks like the header"), "{msg}");
    assert!(store.crime_counts("bra").await.unwrap().is_empty());
    assert!(store.import_runs(10).await.unwrap().is_empty());
}

async fn a_bad_count_names_its_line_and_nothing_is_written(store: Store) {
    let csv = "# comment\nperiod,stadsdelsomrade,brottskategori,antal\n2016-06,Rinkeby-Kista,Stöldbrott,269\n\
               2016-06,Rinkeby-Kista,Bilbrott,-3\n2016-13,Spånga-Tensta,Bilbrott,50\n";
    let err = statistics::import(&store, "b.csv", csv.as_bytes(), &opts("bra")).await.unwrap_err();
    let TableImportError::Rejected(out) = &err else { panic!("{err}") };
    let msgs: Vec<String> = out.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        [
            "b.csv, line 4, column antal: \"-3\" is not a count (a whole number ≥ 0)",
            "b.csv, line 5, column period: \"2016-13\" is not a period such as 2016, 2016-06 or 2016-T2",
        ]
    );
    assert!(store.crime_counts("bra").await.unwrap().is_empty());
    let mut skip = opts("bra");
    skip.skip_invalid = true;
    let out = statistics::import(&store, "b.csv", csv.as_bytes(), &skip).await.unwrap();
    assert_eq!((out.accepted, out.run.unwrap().rejected), (1, 2));
}

async fn trygghetsmatningen_published_values(store: Store) {
    trygg_import::seed::seed_jarva(&store).await.unwrap();
    let Some(bytes) = crate::shared_data("indicators/trygghetsmatning_published_values.csv") else { return };
    let out = surveys::import(&store, "t.csv", &bytes, &opts("trygghetsmatningen")).await.unwrap();
    assert_eq!((out.accepted, out.rejected.len()), (9, 0));
    let values = store.survey_values("trygghetsmatningen").await.unwrap();
    assert_eq!(values.len(), 9);
    let st: Vec<(i32, f64)> = values
        .iter()
        .filter(|v| v.region == "Spånga-Tensta" && v.indicator == "oro_brott_ofta_12m")
        .map(|v| (v.wave, v.share))
        .collect();
    assert_eq!(st, [(2017, 26.0), (2020, 13.0)], "every figure carries its wave's year");
    let city = values.iter().find(|v| v.wave == 2014).unwrap();
    assert_eq!((city.share, city.group.as_str()), (8.0, "all"));
    assert_eq!(city.area.as_ref().map(|a| a.as_str()), Some("stockholm"), "Stockholms stad is the city");
    assert!(city.source_url.as_deref().unwrap().starts_with("https://www.dn.se/"));
}

async fn survey_template_with_counts_groups_and_bad_rows(store: Store) {
    let csv = "survey,wave,area,indicator,group,respondents,yes_count,share,weighted_share\n\
               stockholmsenkaten,2022,Järva,otrygg_kvall,kvinnor,200,50,,27.5\n\
               stockholmsenkaten,2022,Järva,otrygg_kvall,16-24,80,,12,\n\
               stockholmsenkaten,2022,Järva,otrygg_kvall,barn,80,10,,\n\
               stockholmsenkaten,2022,Järva,otrygg_kvall,men,10,11,,\n";
    let err = surveys::import(&store, "s.csv", csv.as_bytes(), &opts("x")).await.unwrap_err();
    let TableImportError::Rejected(out) = &err else { panic!("{err}") };
    assert_eq!(out.rejected.len(), 2);
    assert!(out.rejected[0].to_string().starts_with("s.csv, line 4, column group: \"barn\" is not a group"));
    assert_eq!(
        out.rejected[1].to_string(),
        "s.csv, line 5, column yes_count: 11 yes answers but only 10 respondents"
    );
    let mut skip = opts("x");
    skip.skip_invalid = true;
    surveys::import(&store, "s.csv", csv.as_bytes(), &skip).await.unwrap();
    let v = store.survey_values("stockholmsenkaten").await.unwrap();
    assert_eq!(v.len(), 2);
    let women = v.iter().find(|v| v.group == "women").unwrap();
    assert_eq!((women.share, women.weighted_share, women.yes_count), (25.0, Some(27.5), Some(50)));
    assert!(v.iter().any(|v| v.group == "age:16-24" && v.share == 12.0));
}

async fn scb_population_v1_and_jsonstat(store: Store) {
    let files = [
        "scb/pxwebapi1_BE0101A_BefolkningNy_data_json.json",
        "scb/pxwebapi2_TAB5974_data_jsonstat2.json",
        "scb/pxwebapi2_TAB638_data_jsonstat2.json",
    ];
    let mut all = Vec::new();
    for f in files {
        let Some(bytes) = crate::shared_data(f) else { return };
        let out = population::import(&store, f, &bytes, &opts(f)).await.unwrap();
        assert!(out.rejected.is_empty());
        all.push(store.population(f).await.unwrap());
    }
    let v1: Vec<(i32, i64)> = all[0].iter().map(|r| (r.year, r.persons)).collect();
    assert_eq!(v1, [(2010, 9_415_570), (2011, 9_482_855), (2012, 9_555_893)], "Folkmängd, not Folkökning");
    assert!(all[0].iter().all(|r| r.region == "00" && r.sex == "all" && r.age == "all"));
    let tab5974: Vec<(&str, i64, i32, &str)> =
        all[1].iter().map(|r| (r.sex.as_str(), r.persons, r.year, r.age.as_str())).collect();
    assert_eq!(tab5974, [("men", 50_080, 2026, "0"), ("women", 47_361, 2026, "0")]);
    assert_eq!((all[2][0].persons, all[2][0].sex.as_str(), all[2][0].year), (50_937, "men", 2024));
}

async fn jsonstat_sparse_values_status_and_missing(store: Store) {
    // Dimension order from id/size, index as an array, values as a sparse object, a status symbol.
    let json = r#"{"class":"dataset","id":["Tid","Region","Kon"],"size":[2,1,2],
        "dimension":{"Tid":{"category":{"index":["2023","2024"]}},
                     "Region":{"category":{"index":{"0180":0},"label":{"0180":"Stockholm"}}},
                     "Kon":{"category":{"index":{"2":1,"1":0}}}},
        "value":{"0":490000,"1":495000,"3":500000},"status":{"2":".."}}"#;
    let out = population::import(&store, "p.json", json.as_bytes(), &opts("scb")).await.unwrap();
    assert_eq!(out.accepted, 3);
    assert!(
        out.notes.iter().any(|n| n.contains("Tid=2024, Region=0180, Kon=1: missing value (..)")),
        "{:?}",
        out.notes
    );
    let rows = store.population("scb").await.unwrap();
    let got: Vec<(i32, &str, i64)> = rows.iter().map(|r| (r.year, r.sex.as_str(), r.persons)).collect();
    assert_eq!(got, [(2023, "men", 490_000), (2023, "women", 495_000), (2024, "women", 500_000)]);
}

async fn truncated_json_and_bad_population_csv_are_refused(store: Store) {
    let Some(bytes) = crate::shared_data("scb/pxwebapi2_TAB638_data_jsonstat2.json") else { return };
    let cut = &bytes[..bytes.len() / 2];
    let err = population::import(&store, "cut.json", cut, &opts("scb")).await.unwrap_err().to_string();
    assert!(err.starts_with("cut.json, line "), "{err}");
    assert!(err.contains("the JSON ends too early (a truncated file?)"), "{err}");
    let csv = "område;år;kön;ålder;folkmängd\nTensta;2024;kvinnor;0-4;1 020\nTensta;20x4;män;0-4;990\n";
    let err =
        population::import(&store, "p.csv", csv.as_bytes(), &opts("stad")).await.unwrap_err().to_string();
    assert!(err.contains("p.csv, line 3, column år: time \"20x4\" is not a year"), "{err}");
    assert!(store.population("scb").await.unwrap().is_empty());
    assert!(store.population("stad").await.unwrap().is_empty());
    let ok = "område;år;kön;ålder;folkmängd\nTensta;2024;kvinnor;0-4;1 020\n";
    population::import(&store, "p.csv", ok.as_bytes(), &opts("stad")).await.unwrap();
    let rows = store.population("stad").await.unwrap();
    assert_eq!((rows[0].persons, rows[0].sex.as_str(), rows[0].age.as_str()), (1020, "women", "0-4"));
}

trygg_store::test_on_every_backend!(
    bra_june_2016_per_district_area,
    bra_xlsx_wide_export,
    xlsx_with_an_extra_header_row_is_refused,
    a_bad_count_names_its_line_and_nothing_is_written,
    trygghetsmatningen_published_values,
    survey_template_with_counts_groups_and_bad_rows,
    scb_population_v1_and_jsonstat,
    jsonstat_sparse_values_status_and_missing,
    truncated_json_and_bad_population_csv_are_refused,
);
