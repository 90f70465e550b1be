//! Mutual-guarantee groups: related SMEs that guarantee each other's bank
//! loans (the Zhejiang guarantee chains of 2011–12).

use super::firm::NO_GROUP;

/// Members of every group, by group id. Groups only lose members when firms
/// exit; entrants fill the one open group until it reaches its drawn size.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    members: Vec<Vec<u32>>,
    /// The group new joiners go to, and the size it is to reach.
    open: Option<(u32, usize)>,
}

impl Groups {
    pub fn members(&self, group: u32) -> &[u32] {
        if group == NO_GROUP {
            &[]
        } else {
            &self.members[group as usize]
        }
    }

    /// Adds `firm` to the open group, starting a new group of `new_size`
    /// members when there is none or it is full. Returns the group id.
    pub fn join(&mut self, firm: u32, new_size: usize) -> u32 {
        let group = match self.open {
            Some((g, size)) if self.members[g as usize].len() < size => g,
            _ => {
                self.members.push(Vec::new());
                let g = (self.members.len() - 1) as u32;
                self.open = Some((g, new_size));
                g
            }
        };
        self.members[group as usize].push(firm);
        group
    }

    pub fn leave(&mut self, firm: u32, group: u32) {
        if group != NO_GROUP {
            self.members[group as usize].retain(|&f| f != firm);
        }
    }

    pub fn count(&self) -> usize {
        self.members.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joiners_fill_a_group_then_start_the_next() {
        let mut g = Groups::default();
        assert_eq!(g.join(1, 2), 0);
        assert_eq!(g.join(2, 5), 0, "size fixed when the group opened");
        assert_eq!(g.join(3, 3), 1);
        assert_eq!(g.members(0), &[1, 2]);
        g.leave(1, 0);
        assert_eq!(g.members(0), &[2]);
        assert_eq!(g.members(NO_GROUP), &[] as &[u32]);
    }
}
