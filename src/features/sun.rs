//! Solar elevation from date, time and place, computed offline (NOAA's general solar
//! position equations, accurate to a fraction of a degree; checked in the tests against
//! published noon elevations).

use std::f64::consts::PI;

/// Solar elevation in degrees (negative below the horizon) at `latitude`/`longitude`
/// (degrees, north and east positive), on `day_of_year` (1..=366) at `utc_hours` (0..24).
pub fn elevation_deg(latitude: f64, longitude: f64, day_of_year: u32, utc_hours: f64) -> f64 {
    // Fractional year in radians.
    let g = 2.0 * PI / 365.0 * (day_of_year as f64 - 1.0 + (utc_hours - 12.0) / 24.0);
    // Equation of time (minutes) and declination (radians).
    let eqtime = 229.18
        * (0.000075 + 0.001868 * g.cos()
            - 0.032077 * g.sin()
            - 0.014615 * (2.0 * g).cos()
            - 0.040849 * (2.0 * g).sin());
    let decl = 0.006918 - 0.399912 * g.cos() + 0.070257 * g.sin() - 0.006758 * (2.0 * g).cos()
        + 0.000907 * (2.0 * g).sin()
        - 0.002697 * (3.0 * g).cos()
        + 0.00148 * (3.0 * g).sin();
    // True solar time (minutes) and hour angle (radians).
    let true_solar_minutes = utc_hours * 60.0 + eqtime + 4.0 * longitude;
    let hour_angle = (true_solar_minutes / 4.0 - 180.0).to_radians();
    let lat = latitude.to_radians();
    let cos_zenith = lat.sin() * decl.sin() + lat.cos() * decl.cos() * hour_angle.cos();
    90.0 - cos_zenith.clamp(-1.0, 1.0).acos().to_degrees()
}

/// Where and when the sun is reckoned: a place, a day, and the local clock's offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sky {
    pub latitude: f64,
    pub longitude: f64,
    pub day_of_year: u32,
    /// Local time minus UTC, hours.
    pub utc_offset_h: f64,
}

impl Sky {
    /// The sun at `local_hours`: elevation in degrees, and whether it is rising.
    pub fn sun(&self, local_hours: f64) -> (f64, bool) {
        let at = |h: f64| {
            let utc = (h - self.utc_offset_h).rem_euclid(24.0);
            elevation_deg(self.latitude, self.longitude, self.day_of_year, utc)
        };
        let now = at(local_hours);
        (now, at(local_hours + 0.05) > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sun_rises_in_the_morning_and_sets_in_the_evening() {
        let sky = Sky {
            latitude: 48.0,
            longitude: 10.0,
            day_of_year: 172,
            utc_offset_h: 2.0,
        };
        let (dawn, rising) = sky.sun(5.5);
        assert!(rising && dawn.abs() < 6.0, "{dawn}");
        let (dusk, rising) = sky.sun(21.5);
        assert!(!rising && dusk.abs() < 6.0, "{dusk}");
        assert!(sky.sun(1.0).0 < -10.0);
    }

    #[test]
    fn noon_elevations_match_published_values() {
        // Greenwich (51.48 N, 0): solar noon ≈ 12:02 UTC in June, 11:58 in December.
        // Noon elevation = 90 − lat + declination: 90 − 51.48 + 23.44 ≈ 61.96 (June),
        // 90 − 51.48 − 23.44 ≈ 15.08 (December).
        let june = elevation_deg(51.48, 0.0, 172, 12.03);
        let december = elevation_deg(51.48, 0.0, 355, 11.97);
        assert!((june - 61.96).abs() < 0.3, "{june}");
        assert!((december - 15.08).abs() < 0.3, "{december}");
        // Equator at the March equinox: the sun is nearly overhead at noon.
        assert!(elevation_deg(0.0, 0.0, 79, 12.1) > 88.0);
        // Midnight in Greenwich in June: below the horizon by about 90 − 51.48 − 23.44 + ...
        let midnight = elevation_deg(51.48, 0.0, 172, 0.03);
        assert!((midnight + 15.08).abs() < 0.5, "{midnight}");
        // Longitude shifts noon: at 90 E the sun is highest near 06:00 UTC.
        let east = elevation_deg(0.0, 90.0, 79, 6.1);
        assert!(east > 88.0, "{east}");
    }
}
