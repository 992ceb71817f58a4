/** Numerically stable scalar helpers shared by the losses. */

/** log sigma(x) = min(x, 0) - log1p(exp(-|x|)); never overflows, exact for large |x|. */
export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

/** sigma(x) computed without overflow for either sign. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 - exp(m)) for m < 0 (Maechler 2012: expm1 branch near 0, log1p branch far from 0). */
export function log1mExp(m: number): number {
  return m > -Math.LN2 ? Math.log(-Math.expm1(m)) : Math.log1p(-Math.exp(m));
}

/**
 * The shared preference link of DPO and IOPO on a logit z (before beta):
 * sigmoid: -(1-eps) log sigma(beta z) - eps log sigma(-beta z)   (Rafailov et al. 2023 eq. 7; cDPO label smoothing)
 * hinge:   relu(1 - beta z)                                      (SLiC, Zhao et al. 2023)
 * ipo:     (z - 1/(2 beta))^2                                    (Azar et al. 2023 eq. 17)
 * Returns the loss and d loss / d z.
 */
export function preferenceLink(
  z: number,
  beta: number,
  lossType: "sigmoid" | "hinge" | "ipo",
  eps: number,
): { loss: number; dz: number } {
  switch (lossType) {
    case "sigmoid": {
      const loss = -(1 - eps) * logSigmoid(beta * z) - eps * logSigmoid(-beta * z);
      // d/dz -log sigma(bz) = -b sigma(-bz); d/dz -log sigma(-bz) = b sigma(bz)
      const dz = -(1 - eps) * beta * sigmoid(-beta * z) + eps * beta * sigmoid(beta * z);
      return { loss, dz };
    }
    case "hinge": {
      const m = 1 - beta * z;
      return m > 0 ? { loss: m, dz: -beta } : { loss: 0, dz: 0 };
    }
    case "ipo": {
      const d = z - 1 / (2 * beta);
      return { loss: d * d, dz: 2 * d };
    }
  }
}
