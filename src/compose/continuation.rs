//! Continuing a line with the learned composer: it writes on from the notes before it —
//! a new motif from the last one, or the rest of a given theme from its first half — within
//! a register, up to an end, a note at a time on the control side.

use super::learned::{self, ComposerModel, Step};

/// Who writes a new motif.
#[derive(Clone, Copy)]
pub enum Writer<'a> {
    Rules,
    /// The model, sampled at `temperature`, its note lengths re-weighted by
    /// `length^longer` (a calm, sparse melody favours long notes over running eighths).
    Learned {
        model: &'a ComposerModel,
        temperature: f32,
        longer: f32,
        /// The share of the bar the model writes, the rest a rest: a sparse melody is a
        /// shorter line of the same kind that breathes, not gaps torn in a line.
        reach: f32,
    },
}

/// A note of a line: eighths from the phrase's start, scale steps from its reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineNote {
    pub pos8: u32,
    pub offset: i32,
    pub len8: u32,
}

/// Where the continuation goes: eighths `from..to` in bars of `bar` eighths, offsets within
/// `lowest..=highest`, at most `most` notes.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub from: u32,
    pub to: u32,
    pub bar: u32,
    pub lowest: i32,
    pub highest: i32,
    pub most: usize,
}

/// How the model is sampled: `temperature`, and lengths re-weighted by `length^longer`.
#[derive(Debug, Clone, Copy)]
pub struct Sampling {
    pub temperature: f32,
    pub longer: f32,
}

/// The notes the model writes after `before` (oldest first; the note before the first is
/// taken as offset 0) to fill `span`; `None` if the model fails or no note fits.
pub fn by_model(
    model: &ComposerModel,
    before: &[LineNote],
    span: Span,
    sampling: Sampling,
    unit: &mut impl FnMut() -> f32,
) -> Option<Vec<LineNote>> {
    let mut history: Vec<Step> = before
        .iter()
        .scan(0, |prev, n| {
            let step = n.offset - *prev;
            *prev = n.offset;
            Some(Step {
                step,
                eighths: n.len8.max(1),
            })
        })
        .collect();
    let mut offset = before.last().map_or(0, |n| n.offset);
    let mut pos = span.from;
    let mut notes = Vec::new();
    while pos < span.to && notes.len() < span.most {
        let from = history.len().saturating_sub(learned::CONTEXT);
        let x = learned::context(&history[from..], pos % span.bar.max(1), span.bar);
        let mut logits = model.logits(&x).ok()?;
        learned::favour_longer(&mut logits, sampling.longer);
        let fits = |s: Step| {
            (span.lowest..=span.highest).contains(&(offset + s.step)) && pos + s.eighths <= span.to
        };
        let next = learned::sample(&logits, sampling.temperature, fits, unit())?;
        offset += next.step;
        notes.push(LineNote {
            pos8: pos,
            offset,
            len8: next.eighths,
        });
        pos += next.eighths;
        history.push(next);
    }
    (!notes.is_empty()).then_some(notes)
}

/// The rules' continuation: the rhythm given (`rhythm`'s positions and lengths, from
/// `span.from`), a fresh contour stepping on from `before`'s last note (mostly by step, now
/// and then a third), turned back at the register's edges.
pub fn by_rules(
    before: &[LineNote],
    rhythm: &[LineNote],
    span: Span,
    unit: &mut impl FnMut() -> f32,
) -> Vec<LineNote> {
    let mut offset = before.last().map_or(0, |n| n.offset);
    let mut direction = if unit() < 0.5 { 1 } else { -1 };
    rhythm
        .iter()
        .filter(|n| n.pos8 >= span.from && n.pos8 < span.to)
        .take(span.most)
        .map(|n| {
            if unit() < 0.3 {
                direction = -direction;
            }
            let size = if unit() < 0.25 { 2 } else { 1 };
            let next = offset + direction * size;
            if !(span.lowest..=span.highest).contains(&next) {
                direction = -direction;
            }
            offset = (offset + direction * size).clamp(span.lowest, span.highest);
            LineNote {
                pos8: n.pos8,
                offset,
                len8: n.len8.min(span.to - n.pos8),
            }
        })
        .collect()
}

/// The rest of a given theme after its first half `head`, to eighth `to` of the phrase,
/// by `writer` (the rules when the model fails), in the theme's own register (`whole`'s
/// offsets, a third either side) and, for the rules, its own rhythm.
pub fn theme_rest(
    writer: Writer,
    head: &[LineNote],
    whole: &[LineNote],
    to: u32,
    bar: u32,
    unit: &mut impl FnMut() -> f32,
) -> Vec<LineNote> {
    let offsets = whole.iter().map(|n| n.offset);
    let span = Span {
        from: head.iter().map(|n| n.pos8 + n.len8).max().unwrap_or(0),
        to,
        bar,
        lowest: offsets.clone().min().unwrap_or(0) - 2,
        highest: offsets.max().unwrap_or(0) + 2,
        most: whole.len().max(4),
    };
    if let Writer::Learned {
        model,
        temperature,
        longer,
        ..
    } = writer
        && let Some(line) = by_model(
            model,
            head,
            span,
            Sampling {
                temperature,
                longer,
            },
            unit,
        )
    {
        return line;
    }
    by_rules(head, whole, span, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u32) -> impl FnMut() -> f32 {
        let mut s = seed.max(1);
        move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / 16_777_216.0
        }
    }

    const HEAD: [LineNote; 3] = [
        LineNote {
            pos8: 0,
            offset: 0,
            len8: 2,
        },
        LineNote {
            pos8: 2,
            offset: 2,
            len8: 1,
        },
        LineNote {
            pos8: 3,
            offset: 4,
            len8: 1,
        },
    ];

    #[test]
    fn the_model_fills_the_span_within_the_register_and_is_seeded() {
        let model = ComposerModel::builtin().unwrap();
        let span = Span {
            from: 4,
            to: 16,
            bar: 8,
            lowest: -3,
            highest: 6,
            most: 16,
        };
        let sampling = Sampling {
            temperature: 1.0,
            longer: 0.0,
        };
        let a = by_model(&model, &HEAD, span, sampling, &mut rng(7)).unwrap();
        assert_eq!(a[0].pos8, 4, "starts where the head ends");
        let end = a.last().map(|n| n.pos8 + n.len8).unwrap();
        assert!(end <= 16 && a.windows(2).all(|w| w[1].pos8 == w[0].pos8 + w[0].len8));
        assert!(a.iter().all(|n| (-3..=6).contains(&n.offset)));
        assert_eq!(
            a,
            by_model(&model, &HEAD, span, sampling, &mut rng(7)).unwrap()
        );
        let others = (1..20)
            .filter(|&s| by_model(&model, &HEAD, span, sampling, &mut rng(100 + s)).unwrap() != a)
            .count();
        assert!(others >= 15, "other seeds, other lines: {others}/19");
    }

    #[test]
    fn the_rules_keep_the_rhythm_and_walk_by_step() {
        let rhythm: Vec<LineNote> = (0..8)
            .map(|i| LineNote {
                pos8: 2 * i,
                offset: 0,
                len8: 2,
            })
            .collect();
        let span = Span {
            from: 4,
            to: 16,
            bar: 8,
            lowest: -2,
            highest: 5,
            most: 16,
        };
        let line = by_rules(&HEAD, &rhythm, span, &mut rng(3));
        let positions: Vec<u32> = line.iter().map(|n| n.pos8).collect();
        assert_eq!(positions, [4, 6, 8, 10, 12, 14]);
        let mut prev = HEAD[2].offset;
        for n in &line {
            assert!((n.offset - prev).abs() <= 2 && (-2..=5).contains(&n.offset));
            prev = n.offset;
        }
    }
}
