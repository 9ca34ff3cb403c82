//! Discretisation of the ion-transport operator of the tip model (Eq. 3 in normalised form).

use super::{TipModel, TipModelError};
use crate::sim::fem::Order;
use crate::sim::fem::element::AffineMap;
use crate::sim::fem::quadrature::triangle_degree5;
use crate::sim::fem::scalar;
use crate::sim::fem::sparse::Triplets;

impl TipModel {
    /// M/Δt̂ + ∫ [∇N_j/(1−c̄_e) + N_j ∇w]·∇N_i r, with w = φ̂ − σ̂_h (lagged) and c̄_e the element average of
    /// the lagged c.
    #[allow(clippy::needless_range_loop)] // i, j address the local matrix and the shape arrays together.
    pub(super) fn transport_matrix(&self, c_lag: &[f64], w: &[f64], dt: f64) -> Result<Triplets, TipModelError> {
        let mesh = &self.mesh;
        let rule = triangle_degree5();
        let mut t = Triplets::with_capacity(mesh.n_nodes(), mesh.n_elements() * 9 * 2);
        for e in 0..mesh.n_elements() {
            let nodes = mesh.element(e);
            let cbar = nodes.iter().map(|&i| c_lag[i]).sum::<f64>() / 3.0;
            let d = 1.0 / (1.0 - cbar);
            let map = AffineMap::of(mesh, e);
            let mut local = [[0.0; 3]; 3];
            for s in map.at_points(Order::P1, &rule) {
                let (mut gr, mut gz) = (0.0, 0.0);
                for k in 0..3 {
                    gr += s.dn_dr[k] * w[nodes[k]];
                    gz += s.dn_dz[k] * w[nodes[k]];
                }
                let wt = s.area_weight * s.r;
                for i in 0..3 {
                    let drift = gr * s.dn_dr[i] + gz * s.dn_dz[i];
                    for j in 0..3 {
                        local[i][j] += wt * (d * (s.dn_dr[i] * s.dn_dr[j] + s.dn_dz[i] * s.dn_dz[j]) + s.n[j] * drift);
                    }
                }
            }
            for i in 0..3 {
                for j in 0..3 {
                    t.add(nodes[i], nodes[j], local[i][j]);
                }
            }
        }
        let mut m = scalar::mass(mesh, |_, _| 1.0 / dt);
        m.add_scaled(&t, 1.0);
        Ok(m)
    }
}
