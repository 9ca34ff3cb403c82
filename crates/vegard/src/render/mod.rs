//! Pictures and exports: colour maps, map PNGs with colour bar and scale bar, curve plots,
//! Gwyddion `.gsf` export and the HTML report.
